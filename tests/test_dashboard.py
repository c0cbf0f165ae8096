"""The cross-session dashboard: a small results database written here with SQL (three sessions,
one failure, a hostile title), rendered; its figures, escaping, self-containment and errors, and
(slow) how Chromium shows it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from transcript_lens.errors import OptionError
from transcript_lens.report.dashboard import dashboard_data, render_dashboard
from transcript_lens.store import SCHEMA_VERSION, open_store

from .browser import external_references, measure_layout, png_is_blank, print_to_pdf, screenshot
from .test_report_hostile import HIDDEN, SEGMENTS, assert_no_active_content

HOSTILE = "<script>alert(1)</script>"
AT = dt.datetime(2025, 1, 1, 12, 0)


def _session(session_id: str, **values) -> dict:
    row = dict.fromkeys(("session_id", "path", "settings", "format", "title", "date", "basis", "duration_seconds",
                         "speakers", "attendees", "silent_attendees", "facilitator", "facilitator_share",
                         "host_share", "participants_share", "gini", "entropy", "effective_speakers",
                         "switches_per_minute", "participant_to_participant_share", "overlap_seconds",
                         "unattributed_share", "silence_share", "speakers_inferred", "inference_confidence",
                         "tagged", "verdict", "analysed_at"))
    row.update({"session_id": session_id, "settings": "{}", "format": "webvtt", "basis": "seconds",
                "analysed_at": AT, **values})
    return row


# Listed out of date order on purpose: the dashboard sorts by date, then path.
SESSIONS = [
    _session("bbbb", path="/data/march.vtt", title="March workshop", date="2025-03-04", duration_seconds=5400,
             speakers=6, attendees=9, silent_attendees=3, facilitator="Ann", facilitator_share=0.62,
             participants_share=0.38, gini=0.41, speakers_inferred=False, tagged=True),
    _session("aaaa", path="/data/<b>feb</b>.vtt", title=HOSTILE, date="2025-02-11", duration_seconds=3725,
             speakers=5, attendees=None, silent_attendees=None, facilitator="Bo", facilitator_share=0.31,
             participants_share=0.69, gini=0.22, speakers_inferred=True, tagged=True),
    _session("cccc", path="/data/april.txt", title=None, date="2025-04-01", duration_seconds=1200, basis="words",
             speakers=2, attendees=4, silent_attendees=2, facilitator="Ann", facilitator_share=0.55,
             participants_share=0.45, gini=None, speakers_inferred=None, tagged=False),
]

# aaaa: four passages; bbbb: two. cccc was not tagged.
PASSAGES = [("aaaa", index) for index in range(4)] + [("bbbb", index) for index in range(2)]
TAGS = [
    ("aaaa", 0, "relationships", "value", None), ("aaaa", 0, "coproduction_involvement", "spectrum", "doing with"),
    ("aaaa", 1, "relationships", "value", None), ("aaaa", 2, "information", "spectrum", "doing for"),
    ("bbbb", 0, "assets", "value", None), ("bbbb", 1, "coercion_protection", "spectrum", "doing to"),
]


def _write(path: Path, *, sessions=SESSIONS, passages=PASSAGES, tags=TAGS, failures=True) -> Path:
    connection = open_store(path)
    try:
        for row in sessions:
            marks = ", ".join("?" * len(row))
            connection.execute(f"INSERT INTO sessions ({', '.join(row)}) VALUES ({marks})", list(row.values()))
        for session_id, index in passages:
            connection.execute("INSERT INTO passages VALUES (?, ?, 'Someone', 0, 1, '1', 'text')", [session_id, index])
        for session_id, index, code, kind, mode in tags:
            connection.execute("INSERT INTO tags VALUES (?, ?, ?, ?, ?, 0.5, 'phrase')",
                               [session_id, index, code, kind, mode])
        if failures:
            connection.execute("INSERT INTO failures VALUES (?, 'ffff', ?, ?)",
                               ["/data/<img src=x onerror=alert(2)>.pdf", "is not a transcript (a PDF) & <b>", AT])
    finally:
        connection.close()
    return path


# Issue 10: every payload of the hostile report fixture as a session title and in a path, a
# 1,500-character code id and a hostile spectrum mode, and failures whose path and reason hold them.
HOSTILE_CODE = "kindness-" + "x" * 1491
HOSTILE_MODE = "doing to [m](javascript:alert(9)) \u202e<script>alert(10)</script>"
HOSTILE_SESSIONS = [
    _session(f"h{index:02d}", path=f"/data/{segment['speaker']}.vtt", title=segment["speaker"],
             date=f"2025-05-{index + 1:02d}", duration_seconds=600, speakers=3, attendees=4, silent_attendees=1,
             facilitator=segment["speaker"], facilitator_share=0.4, participants_share=0.6, gini=0.2,
             speakers_inferred=False, tagged=True)
    for index, segment in enumerate(SEGMENTS)]
HOSTILE_TAGS = [(f"h{index:02d}", 0, HOSTILE_CODE, "value", None) for index in range(len(SEGMENTS))] + [
    (f"h{index:02d}", 0, "telling", "spectrum", HOSTILE_MODE) for index in range(len(SEGMENTS))]


def _write_hostile(path: Path) -> Path:
    _write(path, sessions=HOSTILE_SESSIONS, passages=[(f"h{index:02d}", 0) for index in range(len(SEGMENTS))],
           tags=HOSTILE_TAGS, failures=False)
    connection = open_store(path)
    try:
        for index, segment in enumerate(SEGMENTS):
            connection.execute("INSERT INTO failures VALUES (?, ?, ?, ?)",
                               [f"/data/failed {segment['speaker']}.txt", f"f{index:02d}",
                                f"text outside any cue: {segment['text']!r}", AT])
    finally:
        connection.close()
    return path


def test_hostile_sessions_and_failures_stay_text(tmp_path: Path) -> None:
    html = render_dashboard(_write_hostile(tmp_path / "hostile.duckdb"))
    page = assert_no_active_content(html)
    text = "".join(page.text)
    for segment in SEGMENTS:
        shown = HIDDEN.sub("", segment["speaker"])
        assert shown in page.bdi  # the title, isolated
        assert f"/data/{shown}.vtt" in page.bdi and f"/data/failed {shown}.txt" in page.bdi
    assert HOSTILE_CODE.replace("_", " ") in page.bdi
    assert "<script>alert(10)</script>" in text and "text outside any cue" in text


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return _write(tmp_path / "results.duckdb")


@pytest.fixture
def page(database: Path) -> str:
    return render_dashboard(database)


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_sessions_are_numbered_in_date_order(database: Path) -> None:
    data = dashboard_data(database)
    assert [(s["number"], s["session_id"]) for s in data["sessions"]] == [(1, "aaaa"), (2, "bbbb"), (3, "cccc")]
    assert [s["label"] for s in data["sessions"]] == [HOSTILE, "March workshop", "april"]
    assert data["method"]["schema_version"] == str(SCHEMA_VERSION)
    assert data["summary"]["at_or_under_target"] == 1 and data["summary"]["with_facilitator"] == 3


def test_the_ranking_puts_participants_share_first(database: Path) -> None:
    ranked = dashboard_data(database)["ranked"]
    assert [row["number"] for row in ranked] == [1, 3, 2]
    assert ranked[0] | {"label": None, "path": None} == {
        "number": 1, "label": None, "path": None, "date": "2025-02-11", "duration": "1:02:05", "speakers": 5,
        "facilitator_share": "31%", "participants_share": "69%", "gini": "0.22", "silent_attendees": "unknown",
        "inferred": "yes"}
    assert ranked[1]["gini"] == "–" and ranked[1]["inferred"] == "–" and ranked[1]["silent_attendees"] == 2


def test_coverage_is_the_share_of_each_sessions_passages(database: Path) -> None:
    coverage = dashboard_data(database)["coverage"]
    # Values first, then the spectrum in the codebook's ladder: doing to, doing for, doing with.
    assert [c["code"] for c in coverage["columns"]] == [
        "assets", "relationships", "coercion_protection", "information", "coproduction_involvement"]
    assert [(g["name"], g["span"]) for g in coverage["groups"]] == [
        ("Values", 2), ("Spectrum: doing to", 1), ("Spectrum: doing for", 1), ("Spectrum: doing with", 1)]
    first, second, third = coverage["rows"]
    assert [cell["text"] for cell in first["cells"]] == ["0%", "50%", "0%", "25%", "25%"]
    assert [cell["text"] for cell in second["cells"]] == ["50%", "0%", "50%", "0%", "0%"]
    assert third["cells"] is None and not third["tagged"]
    assert first["cells"][1]["style"].startswith("background:#0072b2")  # the largest share is the darkest


def test_the_page_shows_every_figure(page: str) -> None:
    for anchor in ("facilitator", "equity", "silent"):
        section = _section(page, anchor)
        assert '<figure role="img" aria-label=' in section and "<svg" in section and "<figcaption>" in section
    assert "target 40%" in _section(page, "facilitator")
    assert "n/a" in _section(page, "equity")
    assert "no list" in _section(page, "silent")
    coverage = _section(page, "coverage")
    assert "Co-production and involvement" in coverage and "coproduction" not in coverage and "not tagged" in coverage and ">50%<" in coverage
    ranked = _section(page, "ranked")
    assert ranked.index("March workshop") > ranked.index("april")  # 38% ranks below 45%
    assert "69%" in ranked and "1:30:00" in ranked
    assert "is not a transcript (a PDF) &amp; &lt;b&gt;" in _section(page, "failures")
    method = _section(page, "method")
    assert "3 session(s) analysed and 1 file(s) failed" in method and f"schema version {SCHEMA_VERSION}" in method


def test_hostile_text_stays_text(page: str) -> None:
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "/data/&lt;b&gt;feb&lt;/b&gt;.vtt" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<img" not in page and "<b>" not in page


def test_the_page_is_self_contained(page: str) -> None:
    assert external_references(page) == []
    assert '<link rel="icon" href="data:,">' in page
    assert not re.search(r"\son[a-z]+\s*=", page.replace("onerror=alert(2)", ""))  # no event handlers


def test_a_database_where_every_file_failed_says_so(tmp_path: Path) -> None:
    page = render_dashboard(_write(tmp_path / "failed.duckdb", sessions=[], passages=[], tags=[]))
    assert "No session analysed" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<figure" not in page


def test_a_database_with_nothing_in_it_is_an_option_error(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.duckdb", sessions=[], passages=[], tags=[], failures=False)
    with pytest.raises(OptionError, match=r"empty\.duckdb: holds no sessions and no failures"):
        render_dashboard(empty)


def test_files_that_are_not_results_databases_are_option_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"notes\.duckdb: is not a DuckDB database"):
        render_dashboard(text)
    with pytest.raises(OptionError, match=r"missing\.duckdb: no such database"):
        render_dashboard(tmp_path / "missing.duckdb")
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INTEGER)").close()
    with pytest.raises(OptionError, match=r"other\.duckdb: is not a transcript_lens results database"):
        render_dashboard(other)


def test_the_database_is_opened_read_only(database: Path) -> None:
    before = database.read_bytes()
    render_dashboard(database)
    assert database.read_bytes() == before


@pytest.mark.slow
def test_chromium_shows_the_dashboard(page: str, tmp_path: Path) -> None:
    html = tmp_path / "dashboard.html"
    html.write_text(page, encoding="utf-8")
    shot = screenshot(html, tmp_path / "dashboard.png")
    assert shot.returncode == 0, shot.stderr[-4000:]
    assert not png_is_blank(shot.output)
    assert shot.requested == ["/dashboard.html"]
    assert shot.console == []
    printed = print_to_pdf(html, tmp_path / "dashboard.pdf")
    assert printed.returncode == 0, printed.stderr[-4000:]
    assert printed.requested == ["/dashboard.html"] and printed.console == []


@pytest.mark.slow
@pytest.mark.parametrize("width", [500, 390])
def test_chromium_fits_a_hostile_dashboard_to_a_narrow_screen(width: int, tmp_path: Path) -> None:
    # Tables scroll inside their own box; the page itself must not, whatever the names and the
    # database's (unbroken, 200-character) file name.
    html = tmp_path / "hostile.html"
    database = _write_hostile(tmp_path / f"results_{'x' * 200}.duckdb")
    html.write_text(render_dashboard(database), encoding="utf-8")
    layout = measure_layout(html, width, [], tmp_path)
    assert layout.inner_width == width
    assert layout.scroll_width <= layout.client_width, f"{layout.scroll_width} px wide in a {width} px viewport"


@pytest.mark.slow
def test_chromium_draws_the_dashboard_charts_legibly_on_a_phone(tmp_path: Path) -> None:
    html = tmp_path / "dashboard.html"
    html.write_text(render_dashboard(_write(tmp_path / "results.duckdb")), encoding="utf-8")
    layout = measure_layout(html, 390, [], tmp_path)
    assert layout.chart_text, "no chart text measured"
    smallest = min(layout.chart_text, key=lambda item: item[1])
    assert smallest[1] >= 9, f"{smallest[0]!r} is drawn {smallest[1]:.1f} px high at 390 px (issue 14.5)"
    assert layout.scroll_width <= layout.client_width


def test_batch_report_target_moves_the_line_and_the_count(database: Path, tmp_path: Path) -> None:
    """The sessions' facilitator shares are 62%, 31% and 55%: at or under 40% one of them, at or under 60% two."""
    from click.testing import CliRunner

    from transcript_lens.cli import main

    assert dashboard_data(database)["summary"]["at_or_under_target"] == 1
    assert dashboard_data(database, target=0.6)["summary"]["at_or_under_target"] == 2
    output = tmp_path / "dashboard.html"
    result = CliRunner().invoke(main, ["batch-report", str(database), "-o", str(output), "--target", "60%"])
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    assert "Facilitator at or under 60%" in html and "the 60% target" in html
