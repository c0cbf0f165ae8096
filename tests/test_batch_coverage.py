"""Coverage in the batch database and the dashboard (issue 12, items 3 and 5): the batch stores, per
session and code, the very share and 95% range ``tagging/coverage.py`` gives for the same tagging,
with the codebook's labels; the dashboard shows those shares, their ranges and the labels (never the
ids) of a custom codebook; a database of schema version 1 is read as it is and upgraded by a batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from transcript_lens.batch import BatchSettings, LocalEngine, run_batch
from transcript_lens.cli import main
from transcript_lens.report.content import percent
from transcript_lens.report.dashboard import dashboard_data, render_dashboard
from transcript_lens.store import SCHEMA_VERSION
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.coverage import coverage
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES
from .test_tagging import TINY, HashingEmbedder, _flat_calibration


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Two sessions whose file names share no word with the tiny codebook's ids."""
    root = tmp_path / "recordings"
    root.mkdir()
    shutil.copy(FIXTURES / "cli" / "workshop.vtt", root / "first.vtt")
    shutil.copy(FIXTURES / "report" / "coproduction_session.vtt", root / "second.vtt")
    return root


class RecordingTagger(Tagger):
    """The tagger, keeping each tagging it returns by source: what the batch then stores."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[str, object] = {}

    def tag_many(self, groups, sources, counted=None):
        taggings = super().tag_many(groups, sources, counted)
        self.seen.update(zip(sources, taggings))
        return taggings


def calibrated_tagger() -> RecordingTagger:
    """The fake embedder with a head whose probabilities move with the signals (not one flat value)."""
    book = load_codebook(TINY)
    fitted = _flat_calibration(book, bias=-1.5, threshold=0.5)
    for group in fitted.groups.values():
        for code in group["codes"].values():
            code["weights"] = [2.5] * 7
    return RecordingTagger(book, HashingEmbedder(), calibration=fitted, corrections={})


def stored(db: Path) -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute("""
            SELECT s.path, c.code, c.label, c.kind, c.mode, c.share, c.low, c.high, c.words, c.basis, c.position
            FROM coverage c JOIN sessions s USING (session_id)""").fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def test_the_stored_share_is_coverage_of_the_same_tagging(folder: Path, tmp_path: Path) -> None:
    tagger = calibrated_tagger()
    db = tmp_path / "results.duckdb"
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
                        tagger_factory=lambda: tagger)
    assert summary.analysed == 2 and len(tagger.seen) == 2
    rows = stored(db)
    book = load_codebook(TINY)
    assert {code for _, code in rows} == {code.id for code in book.codes}
    shares = set()
    for path, tagging in tagger.seen.items():
        assert tagging.calibrated
        expected = coverage(tagging)
        for position, code in enumerate(book.codes):
            figures = expected["codes"][code.id]
            label, kind, mode, share, low, high, words, basis, place = rows[(path, code.id)]
            assert (label, kind, mode, place) == (code.label, "value" if code.group == "values" else "spectrum",
                                                  code.mode, position)
            assert (share, low, high, words) == pytest.approx(
                (figures["share"], figures["low"], figures["high"], figures["words"]))
            assert basis == "probabilities" and low <= share <= high and low < high
            shares.add(share)
    assert len(shares) > 2  # probabilities that move with the passages, not one value for all


def test_without_a_calibration_the_share_is_of_tagged_words_and_has_no_range(folder: Path, tmp_path: Path) -> None:
    tagger = RecordingTagger(load_codebook(TINY), HashingEmbedder(), corrections={})
    db = tmp_path / "results.duckdb"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0), tagger_factory=lambda: tagger)
    for (path, code), row in stored(db).items():
        assert (row[4], row[5], row[7]) == (None, None, "tagged passages (no calibration)")
        assert row[3] == pytest.approx(coverage(tagger.seen[path])["codes"][code]["share"])


def test_the_dashboard_shows_the_stored_coverage_with_its_range_and_labels(folder: Path, tmp_path: Path) -> None:
    tagger = calibrated_tagger()
    db = tmp_path / "results.duckdb"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0), tagger_factory=lambda: tagger)
    data = dashboard_data(db)["coverage"]
    book = load_codebook(TINY)
    # the custom codebook's labels, in its own order within values and the spectrum ladder
    assert [c["name"] for c in data["columns"]] == ["Being kind", "Money", "Telling people", "Deciding together"]
    assert data["counted"] == 0 and data["ranged"]
    rows = stored(db)
    by_number = {s["number"]: s["path"] for s in dashboard_data(db)["sessions"]}
    for row in data["rows"]:
        assert not row["counted"]
        for column, cell in zip(data["columns"], row["cells"]):
            _, _, _, share, low, high, *_ = rows[(by_number[row["number"]], column["code"])]
            assert cell["text"] == f"{percent(share)} ({percent(low)}–{percent(high)})"
    page = render_dashboard(db)
    section = page[page.index('id="coverage"'):page.index("</section>", page.index('id="coverage"'))]
    for code in book.codes:
        assert f"<bdi>{code.label}</bdi>" in section
        assert f">{code.id}<" not in section  # labels, never the ids
    assert "95% range" in section and "counted" not in section and "schema version 1" not in section


def _make_version_1(db: Path) -> None:
    """What a batch before the coverage table left: the same tables without it, version 1."""
    with duckdb.connect(str(db)) as connection:
        connection.execute("DROP TABLE coverage")
        connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")


def test_a_version_1_database_is_read_as_it_is_and_says_what_it_counts(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
              tagger_factory=calibrated_tagger)
    _make_version_1(db)
    output = tmp_path / "dashboard.html"
    result = CliRunner().invoke(main, ["batch-report", str(db), "-o", str(output)])
    assert result.exit_code == 0, result.output
    data = dashboard_data(db)
    assert data["method"]["schema_version"] == "1"
    coverage_data = data["coverage"]
    assert coverage_data["counted"] == 2 and not coverage_data["ranged"]
    # version 1 stored no labels: a custom codebook's ids, in words (the default codebook's would be labelled)
    assert [c["name"] for c in coverage_data["columns"]] == ["kindness", "money", "telling", "together"]
    assert all(row["counted"] and all("(" not in cell["text"] for cell in row["cells"])
               for row in coverage_data["rows"])
    page = output.read_text(encoding="utf-8")
    assert "stored before coverage was kept (schema version 1)" in page and "counted" in page
    with duckdb.connect(str(db), read_only=True) as connection:  # read, never changed
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
        tables = {name for (name,) in connection.execute("SHOW TABLES").fetchall()}
    assert "coverage" not in tables


def test_a_batch_upgrades_a_version_1_database_and_tags_its_sessions_again(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
              tagger_factory=calibrated_tagger)
    before = stored(db)
    _make_version_1(db)
    again = run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
                      tagger_factory=calibrated_tagger)
    assert (again.analysed, again.skipped) == (2, 0)  # same settings, but tagged without coverage
    assert stored(db) == before  # the same figures the first run stored
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)
    assert dashboard_data(db)["coverage"]["counted"] == 0
    third = run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
                      tagger_factory=calibrated_tagger)
    assert (third.analysed, third.skipped) == (0, 2)


def test_an_untagged_session_needs_no_coverage_to_be_done(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "plain.duckdb"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
    again = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
    assert (again.analysed, again.skipped) == (0, 2)
