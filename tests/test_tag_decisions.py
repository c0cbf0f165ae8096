"""A person's decisions on tags (``tag --csv``, edited, given back with ``--tag-corrections``) in tag,
report and batch; ``--calibration`` and a calibration beside the codebook; coverage from
probabilities, with known answers on fakes."""

from __future__ import annotations

import csv
import io
import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from transcript_lens import cli
from transcript_lens.batch import BatchSettings, LocalEngine, run_batch
from transcript_lens.errors import OptionError
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.coverage import coverage
from transcript_lens.tagging.decisions import CONFIRMED, apply_tag_decisions, load_tag_decisions
from transcript_lens.tagging.passages import Passage
from transcript_lens.tagging.tagger import Tag, TaggedPassage, Tagger, Tagging, calibration_beside

from .test_tagging import TINY, HashingEmbedder, _flat_calibration

#: Four passages, each about one thing the tiny codebook knows (or nothing), one speaker each.
SESSION = """WEBVTT

00:00:01.000 --> 00:00:05.000
<v Ann Lee>we show kindness and we care about each other

00:00:06.000 --> 00:00:10.000
<v Ben Cole>the money and the budget we spend this year

00:00:11.000 --> 00:00:15.000
<v Ann Lee>we decide together as equals in this group

00:00:16.000 --> 00:00:20.000
<v Ben Cole>can you hear me now
"""
BOOK = load_codebook(TINY)


@pytest.fixture
def session(tmp_path):
    path = tmp_path / "session.vtt"
    path.write_text(SESSION, encoding="utf-8")
    return path


@pytest.fixture
def fake_tagger(monkeypatch, tmp_path):
    """The CLI with the small fake embedder and the tiny codebook."""
    monkeypatch.setattr(cli, "_tagger", lambda *args: Tagger(BOOK, HashingEmbedder(), corrections={}))
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli.main, [str(arg) for arg in args])


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def write_rows(path, rows):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def reviewed_csv(session, tmp_path):
    """``tag --csv``, then a person's review: the kindness passage is wrong, the money passage is
    really about kindness and deciding together, the others are left to the tagger."""
    result = run("tag", session, "--csv")
    assert result.exit_code == 0, result.stderr
    rows = rows_of(result.stdout)
    assert [row["values"] for row in rows] == ["kindness", "money", "", ""]  # what the fake tagger gives
    assert all(row["decision"] == "" for row in rows) and rows[0]["source"] == str(session)
    rows[0]["decision"] = "wrong"
    rows[1].update(values="kindness", spectrum="together", decision="right")
    return write_rows(tmp_path / "tags.csv", rows)


# --- the round trip in tag, report and batch -----------------------------------------------------

def test_tag_applies_a_persons_decisions_and_writes_them_back(fake_tagger, session, tmp_path):
    decided = reviewed_csv(session, tmp_path)
    result = run("tag", session, "--json", "--tag-corrections", decided)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    first, second, third, _ = record["passages"]
    assert (first["values"], first["spectrum"], first["reviewed"]) == ([], None, True)
    assert second["values"] == [{"label": "kindness", "score": 1.0, "evidence": CONFIRMED, "confirmed": True}]
    assert second["spectrum"] == {"label": "together", "mode": "doing with", "score": 1.0, "evidence": CONFIRMED,
                                  "confirmed": True}
    assert third["reviewed"] is False and third["spectrum"]["label"] == "together"  # left to the tagger
    # The tag marked wrong has left the coverage: money was only in the passage changed to kindness.
    words = [len(p["text"].split()) for p in record["passages"]]
    assert record["coverage"]["codes"]["money"]["share"] == 0.0
    assert record["coverage"]["codes"]["kindness"]["share"] == pytest.approx(words[1] / sum(words), abs=1e-4)
    assert "money" not in record["floor_by_code"]
    assert any("2 passages reviewed (1 with the tags given there, 1 with none)" in n for n in record["notes"])
    # Written again with the decisions applied, the CSV keeps them: a second round gives the same tags.
    again = run("tag", session, "--csv", "--tag-corrections", decided)
    rows = rows_of(again.stdout)
    assert [row["decision"] for row in rows] == ["right", "right", "", ""]
    assert rows[1]["scores"] == "kindness=confirmed together=confirmed"
    second_round = write_rows(tmp_path / "again.csv", rows)
    assert json.loads(run("tag", session, "--json", "--tags", second_round).stdout)["passages"] \
        == record["passages"]  # --tags is the same option on `tag`


def test_the_terminal_shows_labels_and_confirmed_tags(fake_tagger, session, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_width", lambda: 400)  # one table row a line, for the test to read
    result = run("tag", session, "--tag-corrections", reviewed_csv(session, tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "Being kind (confirmed)" in result.stdout and "Deciding together (confirmed)" in result.stdout
    assert "kindness" not in result.stdout.replace("we show kindness", "")  # ids never shown
    assert "not how the session was run" in result.stdout


def test_a_report_quotes_confirmed_tags_and_drops_those_marked_wrong(fake_tagger, session, tmp_path):
    target = tmp_path / "report.md"
    plain = run("report", session, "--to", "md", "-o", target)
    assert plain.exit_code == 0, plain.stderr
    before = target.read_text(encoding="utf-8")
    assert "we show kindness and we care about each other" in before and "### Money" in before
    result = run("report", session, "--to", "md", "-o", target, "--tag-corrections", reviewed_csv(session, tmp_path))
    assert result.exit_code == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    evidence = text.split("\n## Evidence", 1)[1].split("\n## ", 1)[0]
    assert "we show kindness and we care about each other" not in evidence  # marked wrong: no longer evidence
    assert "### Money" not in evidence
    assert "the money and the budget we spend this year" in evidence.split("### Being kind", 1)[1]
    assert "score confirmed by a person" in evidence
    assert "Tags decided by a person from tags.csv" in text


def test_a_batch_stores_a_persons_decisions(fake_tagger, session, tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    shutil.copy(session, folder / "session.vtt")
    decided = reviewed_csv(session, tmp_path)  # its source names ../session.vtt: paired by file name
    db = tmp_path / "results.duckdb"
    settings = BatchSettings(tag_corrections=(str(decided),))
    summary = run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0),
                        tagger_factory=lambda: Tagger(BOOK, HashingEmbedder(), corrections={}))
    assert (summary.analysed, summary.failed) == (1, 0)
    with duckdb.connect(str(db), read_only=True) as connection:
        tags = connection.execute("SELECT passage_index, code, score, evidence FROM tags ORDER BY passage_index, code").fetchall()
    assert [row for row in tags if row[0] < 2] == [(1, "kindness", 1.0, CONFIRMED), (1, "together", 1.0, CONFIRMED)]
    assert settings.digest() != BatchSettings().digest()  # decisions re-tag what an earlier run stored


def test_a_batch_refuses_corrections_for_a_transcript_it_does_not_hold(fake_tagger, session, tmp_path, monkeypatch):
    decided = reviewed_csv(session, tmp_path)
    folder = tmp_path / "other"
    folder.mkdir()
    shutil.copy(session, folder / "another.vtt")
    monkeypatch.setattr(cli, "_tagger", lambda *args: Tagger(BOOK, HashingEmbedder(), corrections={}))
    result = run("batch", folder, "--db", tmp_path / "r.duckdb", "--workers", "0", "--tag-corrections", decided)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"transcript-lens: error: {decided}:2: its source {session} is none of the transcripts of this batch "
        "(write the transcript's path, as the batch finds it, in the source column)")


# --- bad correction files: one line, the file, the row, what to do --------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"values": "kindnes", "decision": "right"},
     "'kindnes' is not a code of the codebook Tiny test codebook (use its ids: values kindness, money; spectrum "
     "telling, together)"),
    ({"decision": "maybe"}, "the decision must be right, wrong or empty, found 'maybe' (right: the row's values and "
                            "spectrum are the passage's tags; wrong: none of them applies; empty: the tagger decides)"),
    ({"values": "together", "decision": "right"}, "'together' is a spectrum position, not a value (move it to the "
                                                  "spectrum column)"),
    ({"spectrum": "telling together", "decision": "right"},
     "a passage has one spectrum position, found 'telling together' (keep the one that applies)"),
    ({"lines": "999", "decision": "right"}, "line 999 is not a line of speech in {session} (the file must come from "
                                            "`tag --csv` of {session})"),
    ({"text": "something else was said here", "decision": "wrong"},
     "its text is not what lines {lines} of {session} say (the file must come from `tag --csv` of {session})"),
])
def test_bad_corrections_get_one_line_errors(fake_tagger, session, tmp_path, change, message):
    rows = rows_of(run("tag", session, "--csv").stdout)
    lines = rows[1]["lines"].replace(" ", "–")
    rows[1].update(change)
    decided = write_rows(tmp_path / "tags.csv", rows)
    for command in ("tag", "report"):
        result = run(command, session, "--tag-corrections", decided, "-o" if command == "report" else "--json",
                     *([tmp_path / "r.md"] if command == "report" else []))
        assert result.exit_code == 2, result.stdout
        assert result.stderr.splitlines()[-1] == (f"transcript-lens: error: {decided}:3: "
                                                  + message.format(session=session, lines=lines))
    assert not (tmp_path / "r.md").exists()


def test_a_corrections_file_without_its_columns_is_refused(tmp_path):
    wrong = tmp_path / "turns.csv"
    wrong.write_text("speaker,lines\nAnn,4\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"turns.csv:1: needs the columns 'lines', 'values', 'spectrum' and "
                                          r"'decision'"):
        load_tag_decisions(wrong, BOOK)
    with pytest.raises(OptionError, match=r"missing.csv: tag corrections file not found"):
        load_tag_decisions(tmp_path / "missing.csv", BOOK)


def test_rows_of_one_passage_must_agree(tmp_path):
    tagging = Tagging(source="s.vtt", model="m", codebook="c", calibrated=False, passages=(
        TaggedPassage(Passage(0.0, 4.0, "Ann", "one two three four", (3, 4, 6, 7)), (), None),))
    decided = tmp_path / "tags.csv"
    decided.write_text("lines,values,spectrum,decision\n3 4,kindness,,right\n6 7,money,,right\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"tags.csv:3: lines 6–7 share a passage with row 2, which gives it other "
                                          r"tags"):
        apply_tag_decisions(tagging, load_tag_decisions(decided, BOOK), BOOK)


# --- --calibration, and a calibration beside the codebook ---------------------------------------

@pytest.fixture
def real_tagger(monkeypatch, tmp_path):
    """The CLI's own tagger factory with the fake embedder in place of the model."""
    monkeypatch.setattr("transcript_lens.tagging.embedder.load_embedder", lambda *args, **kwargs: HashingEmbedder())
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))
    book = tmp_path / "mine.yaml"
    book.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    return book


def test_a_calibration_beside_the_codebook_or_given_is_used(real_tagger, session, tmp_path):
    book = load_codebook(real_tagger)
    assert json.loads(run("tag", session, "--json", "--codebook", real_tagger).stdout)["calibrated"] is False
    _flat_calibration(book, bias=5.0, threshold=0.5).save(calibration_beside(real_tagger))
    beside = json.loads(run("tag", session, "--json", "--codebook", real_tagger).stdout)
    assert beside["calibrated"] is True and beside["evidence_bar"] == {"values": 0.6, "spectrum": 0.6}
    elsewhere = tmp_path / "fitted.json"
    _flat_calibration(book, bias=5.0, threshold=0.7).save(elsewhere)
    given = run("tag", session, "--json", "--codebook", real_tagger, "--calibration", elsewhere)
    assert json.loads(given.stdout)["evidence_bar"] == {"values": 0.8, "spectrum": 0.8}


def test_a_calibration_for_other_codes_is_a_one_line_error(real_tagger, session, tmp_path):
    other = tmp_path / "other.json"
    fitted = _flat_calibration(load_codebook(real_tagger))
    fitted.groups["values"]["codes"]["care"] = fitted.groups["values"]["codes"].pop("kindness")
    fitted.save(other)
    for command in (("tag", session, "--json"), ("report", session, "-o", tmp_path / "r.html")):
        result = run(*command, "--codebook", real_tagger, "--calibration", other)
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == (
            f"transcript-lens: error: {other}: was fitted for other codes than the codebook {real_tagger} (lacks "
            f"kindness; has care that the codebook does not) (fit one for this codebook with `transcript-lens "
            f"calibrate LABELS.tsv … --codebook {real_tagger}`, or leave out --calibration)")
    shutil.copy(other, calibration_beside(real_tagger))  # the same mismatch beside the codebook
    result = run("tag", session, "--codebook", real_tagger)
    assert result.exit_code == 2 and "mine.calibration.json: was fitted for other codes" in result.stderr


def test_a_calibration_for_another_model_or_codebook_version_is_refused(real_tagger, session, tmp_path):
    book = load_codebook(real_tagger)
    elsewhere = tmp_path / "fitted.json"
    _flat_calibration(book, model="all-mpnet-base-v2").save(elsewhere)
    result = run("tag", session, "--codebook", real_tagger, "--calibration", elsewhere)
    assert result.exit_code == 2 and "was fitted with the embedding model all-mpnet-base-v2, not hashing-test" \
        in result.stderr
    _flat_calibration(book, codebook="an-older-digest").save(elsewhere)
    result = run("tag", session, "--codebook", real_tagger, "--calibration", elsewhere)
    assert result.exit_code == 2 and "was fitted on another version of the codebook" in result.stderr


def test_no_tags_with_tag_options_is_a_usage_error(session, tmp_path):
    result = run("report", session, "--no-tags", "--calibration", tmp_path / "x.json")
    assert result.exit_code == 2 and "--tag-corrections and --calibration go with tagging" in result.stderr


# --- coverage: known answers --------------------------------------------------------------------

def tagged(words, scores, *, values=(), reviewed=False):
    text = " ".join(["word"] * words)
    return TaggedPassage(Passage(None, None, "Ann", text, (1,)), tuple(Tag(v, 1.0, "") for v in values), None,
                         scores=tuple(scores.items()), reviewed=reviewed)


def test_coverage_is_the_probability_weighted_share_with_a_bernoulli_range():
    passages = (tagged(10, {"a": 0.5, "b": 0.0}), tagged(30, {"a": 1.0, "b": 0.2}))
    found = coverage(Tagging("s", "m", "c", True, passages))
    # a: (0.5*10 + 1*30) / 40 = 0.875; variance (100 * 0.25 + 0) / 1600, sd 0.125, range 0.875 ± 0.245
    assert found["codes"]["a"] == {"share": 0.875, "low": 0.63, "high": 1.0, "words": 35.0}
    # b: 0.2*30/40 = 0.15; sd = sqrt(900 * 0.16) / 40 = 0.3; the range is clipped at 0
    assert found["codes"]["b"] == {"share": 0.15, "low": 0.0, "high": 0.738, "words": 6.0}
    assert (found["unit"], found["words"], found["from"]) == ("words", 40, "probabilities")


def test_coverage_without_calibration_counts_tagged_words_and_gives_no_range():
    passages = (tagged(10, {"a": 0.9}, values=("a",)), tagged(30, {"a": 0.8}))  # similarities, not probabilities
    found = coverage(Tagging("s", "m", "c", False, passages))
    assert found["codes"]["a"] == {"share": 0.25, "low": None, "high": None, "words": 10.0}


def test_a_reviewed_passage_counts_in_full_and_without_uncertainty():
    passages = (tagged(20, {"a": 1.0, "b": 0.0}, values=("a",), reviewed=True), tagged(20, {"a": 0.5, "b": 0.5}))
    found = coverage(Tagging("s", "m", "c", True, passages))
    assert found["codes"]["a"]["share"] == 0.75 and found["codes"]["b"]["share"] == 0.25
    spread = 1.96 * (400 * 0.25) ** 0.5 / 40  # only the unreviewed passage is uncertain
    assert found["codes"]["a"]["low"] == pytest.approx(0.75 - spread, abs=1e-4)


def test_a_file_written_under_anonymise_applies_to_the_plain_transcript(fake_tagger, tmp_path):
    from .test_privacy import SESSION as NAMED

    written = run("tag", NAMED, "--csv", "--anonymise")
    assert written.exit_code == 0, written.stderr
    rows = rows_of(written.stdout)
    assert "Jane" not in written.stdout  # the text is masked, the word counts kept
    rows[0].update(values="kindness", decision="right")
    decided = write_rows(tmp_path / "masked.csv", rows)
    for extra in ((), ("--anonymise",)):
        result = run("tag", NAMED, "--json", "--tag-corrections", decided, *extra)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["passages"][0]["values"][0]["confirmed"] is True
