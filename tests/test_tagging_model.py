"""Tagging with the real embedding model (slow): the JSON contract, the seed's finding, and the
leave-one-transcript-out quality the shipped calibration claims, re-measured."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.nlp import blank_pipeline
from transcript_lens.tagging.calibrate import calibrate, default_labels
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.embedder import load_embedder
from transcript_lens.tagging.floor import floor_by_code
from transcript_lens.tagging.passages import build_passages
from transcript_lens.tagging.tagger import Calibration, Tagger

from .conftest import FIXTURES

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"


def test_a_missing_model_is_a_one_line_error(tmp_path):
    with pytest.raises(OptionError, match=r"no sentence-transformers model at .*nowhere.*models are never downloaded"):
        load_embedder(tmp_path / "nowhere")


@pytest.fixture(scope="module")
def tagger():
    return Tagger(load_codebook(), load_embedder(), nlp=blank_pipeline(),
                  calibration=Calibration.load())


@pytest.mark.slow
def test_tag_json_contract():
    result = CliRunner().invoke(main, ["tag", str(WORKSHOP), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"source", "model", "codebook", "passages"} <= set(record)
    assert record["model"] == "all-MiniLM-L6-v2" and record["calibrated"] is True
    assert set(record["evidence_bar"]) == {"values", "spectrum"}
    for passage in record["passages"]:
        assert {"start", "end", "speaker", "lines", "text", "values", "spectrum"} <= set(passage)
        assert all(isinstance(line, int) for line in passage["lines"])
        for tag in passage["values"]:  # scores are calibrated probabilities
            assert set(tag) == {"label", "score", "evidence", "confirmed"} and 0 <= tag["score"] <= 1
            assert tag["confirmed"] is False  # nobody reviewed them
        if passage["spectrum"] is not None:
            assert set(passage["spectrum"]) == {"label", "mode", "score", "evidence", "confirmed"}
    # Coverage from the probabilities: every code of the codebook, each share inside its range.
    coverage = record["coverage"]
    assert coverage["from"] == "probabilities" and set(coverage["codes"]) == {c.id for c in load_codebook().codes}
    for figures in coverage["codes"].values():
        assert 0 <= figures["low"] <= figures["share"] <= figures["high"] <= 1
    lines = sorted(line for passage in record["passages"] for line in passage["lines"])
    assert lines == sorted(set(lines))  # every line in exactly one passage


@pytest.mark.slow
def test_the_seed_finding_talk_about_sharing_power_was_the_facilitators(seed, tagger):
    analysis = analyse(seed)
    tagging = tagger.tag(build_passages(analysis.cues), source=str(seed))
    floor = floor_by_code(tagging, analysis.cast, timed=True)
    assert floor["relationships"]["passages"] >= 10
    assert floor["relationships"]["facilitator_share"] > 0.8


@pytest.mark.slow
def test_the_shipped_calibration_is_what_leave_one_transcript_out_gives(tagger):
    """Re-runs the whole calibration over the gold transcripts (each scored by heads that never saw
    it): the shipped file must be exactly what it produces, so the README's figures are reproducible,
    and the head must beat the prototype similarity on transcripts it never saw."""
    labels = default_labels()
    if len(labels) < 3:
        pytest.skip("the gold labels are not beside the repository")
    fitted, _ = calibrate(labels, codebook=tagger.codebook, embedder=tagger.embedder)
    shipped = Calibration.load()
    assert fitted.to_json() == shipped.to_json(), "models/tagger_calibration.json is stale: rerun calibrate --write"
    figures = fitted.evaluation["cross_validated_macro_f1"]
    for group in ("values", "spectrum"):
        assert figures[group]["head"] > figures[group]["similarity"]


@pytest.mark.slow
def test_a_model_name_not_on_this_machine_is_refused():
    with pytest.raises(OptionError, match="is not on this machine, and models are never downloaded"):
        load_embedder("no-such-model-here")
