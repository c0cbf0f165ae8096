"""The report for a facilitator (issue 14): every person counts, the headline reads in five
seconds, the language is plain, the timelines share one axis, and ``report`` speaks like the
other commands (``--to``, ``--format``, ``--target``, ``--no-tags``)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.cli import main
from transcript_lens.report import charts
from transcript_lens.report.content import against_target, report_data
from transcript_lens.report.html import render_html
from transcript_lens.report.markdown import render_markdown
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.passages import build_passages
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES
from .test_tagging import TINY, HashingEmbedder

SESSION = FIXTURES / "report" / "coproduction_session.vtt"
ROSTER = FIXTURES / "cli" / "participants.csv"
QUIET = [f"Quiet Person {index:02d}" for index in range(1, 25)]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def crowded(tmp_path, *, title: str = "") -> "Path":  # noqa: F821
    """A long session: one facilitator talks for 40 minutes, then 24 people say a word or two each."""
    lines = ["WEBVTT" + (f" - {title}" if title else ""), ""]
    clock = 0.0

    def cue(speaker: str, seconds: float, text: str) -> None:
        nonlocal clock
        start, end = clock, clock + seconds
        stamp = lambda t: f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}"  # noqa: E731
        lines.extend([f"{stamp(start)} --> {stamp(end)}", f"<v {speaker}>{text}</v>", ""])
        clock = end + 0.5

    for _ in range(40):
        cue("Rhian Price", 60, "We will go through the plan for the day and the ideas behind it together.")
    for name in QUIET:
        cue(name, 3, "Yes, thanks.")
    cue("Rhian Price", 30, "Thank you all, see you next time.")
    path = tmp_path / "crowded.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def fake_report(path, **options):
    analysis = analyse(path, **options)
    book = load_codebook(TINY)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(analysis.cues), source=str(path))
    return report_data(analysis, tagging, book)


class _Text(HTMLParser):
    """The text a reader sees (no <style>, no SVG), and the tags used."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self._skip += tag in ("style", "svg", "title")

    def handle_endtag(self, tag) -> None:
        self._skip -= tag in ("style", "svg", "title")

    def handle_data(self, data) -> None:
        if not self._skip:
            self.text.append(data)


def seen(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split()), parser.tags


def svg_texts(svg: str) -> list[str]:
    from html import unescape

    return [unescape(text) for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


# 1. Every person counts.

def test_every_speaker_and_every_silent_attendee_is_in_the_airtime_chart_and_the_timeline(tmp_path):
    data = fake_report(crowded(tmp_path), facilitators=["Rhian"], attendees=ROSTER)
    airtime, timeline = svg_texts(charts.airtime_chart(data)), svg_texts(charts.timeline_chart(data))
    for name in ["Rhian Price", *QUIET]:
        assert name in airtime and name in timeline, name
    for name in data["silent_attendees"]:
        assert name in airtime
    assert "never spoke" in airtime
    # A share that rounds to nothing reads "under 1%" as in the table, never "0%".
    assert "under 1%" in airtime and "0%" not in airtime
    assert all(name in dict(data["spoke_when"]) for name in QUIET)
    assert all(f"| {name} |" in render_markdown(data) for name in QUIET)


def test_who_never_and_who_barely_spoke_are_in_the_summary(tmp_path):
    data = fake_report(crowded(tmp_path), facilitators=["Rhian"], attendees=ROSTER)
    facts = dict(data["summary"]["facts"])
    silent = data["silent_attendees"]
    assert silent and facts["Never spoke"].startswith(f"{len(silent)} of {data['attendees']} attendees")
    assert all(name in facts["Never spoke"] for name in silent)
    assert facts["Barely spoke"].startswith(f"{len(QUIET)} under 2%")
    assert all(name in facts["Barely spoke"] for name in QUIET) and "(0.0%)" not in facts["Barely spoke"]
    text, _ = seen(render_html(data))
    summary = text[text.index("Summary"):text.index("Airtime")]
    assert "Never spoke" in summary and "Barely spoke" in summary and QUIET[-1] in summary


def test_without_an_attendee_list_silence_is_unknown_not_zero():
    data = fake_report(SESSION, facilitators=["Rhian"])
    assert dict(data["summary"]["facts"])["Never spoke"].startswith("unknown")


# 2. The headline at a glance.

@pytest.mark.parametrize("share, target, words", [
    (0.74, 0.4, "nearly twice the 40% target"),
    (0.80, 0.4, "about twice the 40% target"),
    (0.85, 0.4, "over twice the 40% target"),
    (0.95, 0.4, "nearly two and a half times the 40% target"),
    (0.60, 0.4, "about one and a half times the 40% target"),
    (0.50, 0.4, "above the 40% target"),
    (0.42, 0.4, "close to the 40% target"),
    (0.30, 0.4, "below the 40% target"),
    (0.10, 0.4, "under half the 40% target"),
    (1.00, 0.25, "about 4 times the 25% target"),
])
def test_the_facilitator_share_is_set_against_the_target_in_words(share, target, words):
    assert against_target(share, target) == words


def test_the_headline_names_share_target_participants_longest_monologue(tmp_path):
    data = fake_report(crowded(tmp_path), facilitators=["Rhian"], attendees=ROSTER)
    assert re.fullmatch(r"The facilitator spoke \d+% of the speaking time — .* the 40% target\.",
                        data["summary"]["headline"])
    facts = dict(data["summary"]["facts"])
    assert {"Facilitator", "Participants", "Not attributed", "Longest monologue", "Never spoke"} <= set(facts)
    assert facts["Longest monologue"] == "40:00, by Rhian Price"  # 40 one-minute cues, one turn


@pytest.mark.parametrize("given", ["0.25", "25", "25%", " 25 % "])
def test_target_is_accepted_as_a_fraction_a_number_or_a_percentage(given):
    result = CliRunner().invoke(main, ["airtime", str(SESSION), "--facilitator", "Rhian", "--json",
                                       "--target", given])
    assert result.exit_code == 0, result.stderr
    assert '"target": 0.25' in result.stdout


@pytest.mark.parametrize("given", ["abc", "150", "-5%"])
def test_a_target_that_is_no_share_is_refused(given):
    result = CliRunner().invoke(main, ["airtime", str(SESSION), "--target", given])
    assert result.exit_code == 2 and "give 0.4, 40 or 40%" in result.stderr


def test_report_takes_a_target(tmp_path):
    target = tmp_path / "r.md"
    result = CliRunner().invoke(main, ["report", str(SESSION), "--no-tags", "--facilitator", "Rhian", "--target",
                                       "50%", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "— above the 50% target" not in target.read_text() and "the 50% target" in target.read_text()


# 4. Plain language.

def test_no_command_line_syntax_code_or_code_ids_in_the_report(tmp_path):
    # The workshop fixture names nobody on some lines; inferring speakers brings the sentence
    # that used to tell people to run a command.
    data = fake_report(FIXTURES / "cli" / "workshop.vtt", infer="always")
    html, markdown = render_html(data), render_markdown(data)
    text, tags = seen(html)
    for shown in (text, markdown):
        assert "`" not in shown and "transcript-lens" not in shown and "--csv" not in shown
    assert "code" not in tags
    # The sentence on inferred speakers appears once, not in every section.
    assert text.count("Check the names against the recording") == 1
    assert text.count("mean confidence") == 1


def test_codes_are_shown_by_their_labels_never_their_ids():
    data = fake_report(SESSION)
    html, markdown = render_html(data), render_markdown(data)
    labels = {code["id"]: code["label"] for group in data["codes"].values() for code in group}
    headings = re.findall(r"<h3><bdi>(.*?)</bdi></h3>", html)
    assert headings and set(headings) <= set(labels.values())
    assert not set(headings) & {code for code, label in labels.items() if code != label}
    assert [line[4:] for line in markdown.splitlines() if line.startswith("### ")] == headings


def test_the_title_is_the_files_then_the_users_never_the_file_name(tmp_path):
    assert fake_report(crowded(tmp_path))["title"] == "Untitled session"
    titled = crowded(tmp_path, title="Co-production basics, May")
    assert fake_report(titled)["title"] == "Co-production basics, May"
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(titled), "--no-tags", "--title", "Mine", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "<h1><bdi>Mine</bdi></h1>" in out.read_text()


def test_every_column_of_the_airtime_table_is_explained():
    data = fake_report(SESSION, facilitators=["Rhian"])
    html = render_html(data)
    headers = re.findall(r'<th[^>]*scope="col">([^<]+)</th>', html.split('id="airtime"')[1].split("</table>")[0])
    explained = [column for column, _ in data["columns"]]
    assert headers[0] == "Speaker" and headers[2:] == explained
    assert all(f"<dt>{column}</dt>" in html for column in explained)
    assert all(f"- {column}: " in render_markdown(data) for column in explained)


# 6. Charts that line up.

def test_every_timeline_runs_from_the_start_to_the_end_of_the_session(tmp_path, monkeypatch):
    limits = {}

    def keep(figure):
        return figure.axes[0].get_xlim()

    monkeypatch.setattr(charts, "_svg", keep)
    data = fake_report(crowded(tmp_path), facilitators=["Rhian"])
    minutes = data["duration_seconds"] / 60
    for name in ("timeline_chart", "windows_chart", "codes_chart"):
        limits[name] = getattr(charts, name)(data)
    assert all(limit == pytest.approx((0, minutes)) for limit in limits.values()), limits
    assert "phases" not in render_html(data)


# 7 and 9. The command line.

def test_report_to_chooses_the_output_and_format_the_input(tmp_path):
    out = tmp_path / "r.txt"
    result = CliRunner().invoke(main, ["report", str(SESSION), "--no-tags", "--to", "md", "--format", "zoom_vtt",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("# ")
    alias = CliRunner().invoke(main, ["report", str(SESSION), "--no-tags", "--input-format", "zoom_vtt",
                                      "-o", str(tmp_path / "r.md")])
    assert alias.exit_code == 0 and (tmp_path / "r.md").read_text().startswith("# ")  # -o's suffix chooses md


@pytest.mark.parametrize("old", ["html", "md"])
def test_the_old_report_format_points_to_to(tmp_path, old):
    result = CliRunner().invoke(main, ["report", str(SESSION), "--format", old, "-o", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert f"--format names the input format now; write the report as {old} with --to {old}" in result.stderr
    assert not (tmp_path / "r").exists()


def test_report_no_tags_loads_no_model_and_says_what_it_does_on_stderr(tmp_path):
    out = tmp_path / "quick.html"
    code = ("import sys\nfrom transcript_lens.cli import main\n"
            "try:\n    main()\nexcept SystemExit as stop:\n"
            "    heavy = sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules)\n"
            "    print('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, "report", str(SESSION), "--no-tags", "--facilitator", "Rhian",
                           "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr
    assert "transcript-lens: writing the report…" in done.stderr.splitlines()  # a plain line, not a spinner
    html = out.read_text()
    assert 'id="airtime"' in html and 'id="evidence"' not in html and "not tagged for this report" in html


# 13. Data out.

def test_airtime_csv_is_tidy_with_session_figures_and_silent_attendees(tmp_path):
    import io

    pandas = pytest.importorskip("pandas")
    result = CliRunner().invoke(main, ["airtime", str(SESSION), "--facilitator", "Rhian", "--attendees", str(ROSTER),
                                       "--csv"])
    assert result.exit_code == 0, result.stderr
    table = pandas.read_csv(io.StringIO(result.stdout))
    record = __import__("json").loads(CliRunner().invoke(main, ["airtime", str(SESSION), "--facilitator", "Rhian",
                                                                "--attendees", str(ROSTER), "--json"]).stdout)
    session = record["session"]
    spoke = table[table["spoke"]]
    assert list(spoke["name"]) == [s["name"] for s in record["speakers"]]
    assert list(table.loc[~table["spoke"], "name"]) == session["silent_attendees"] != []
    for column in ("facilitator_share", "participants_share", "gini", "duration_seconds", "target"):
        assert (table[column] == session[column]).all(), column  # the session's figure on every row
    assert (table["silent_attendees_count"] == len(session["silent_attendees"])).all()
    without = pandas.read_csv(io.StringIO(CliRunner().invoke(main, ["airtime", str(SESSION), "--csv"]).stdout))
    assert without["silent_attendees_count"].isna().all()  # no attendee list: unknown, not 0


def test_the_json_shapes_the_readme_gives_load_into_pandas_directly():
    import json

    pandas = pytest.importorskip("pandas")
    record = json.loads(CliRunner().invoke(main, ["airtime", str(SESSION), "--json"]).stdout)
    speakers = pandas.DataFrame(record["speakers"])
    assert list(speakers["name"]) == [s["name"] for s in record["speakers"]]
    windows = pandas.DataFrame(record["session"]["facilitator_share_by_window"])
    assert list(windows.columns) == ["start", "end", "facilitator_share", "speech_seconds"]
    turns = json.loads(CliRunner().invoke(main, ["turns", str(SESSION), "--json"]).stdout)
    assert len(pandas.DataFrame(turns["turns"])) == len(turns["turns"])


def test_the_terminal_airtime_table_explains_its_columns():
    shown = " ".join(CliRunner().invoke(main, ["airtime", str(SESSION)]).stdout.split())
    assert "Qs: questions asked" in shown and "Gini: 0 every participant" in shown


def test_a_note_that_repeats_the_inference_sentence_is_left_out(tmp_path):
    from dataclasses import replace

    analysis = analyse(FIXTURES / "cli" / "workshop.vtt", infer="always")
    note = "Speakers were inferred from the text and timing; see each turn's confidence."
    analysis = replace(analysis, airtime=replace(analysis.airtime, notes=(*analysis.airtime.notes, note, "Other.")))
    book = load_codebook(TINY)
    tagging = Tagger(book, HashingEmbedder(), corrections={}).tag(build_passages(analysis.cues))
    data = report_data(analysis, tagging, book)
    assert note not in data["method"]["notes"] and "Other." in data["method"]["notes"]
