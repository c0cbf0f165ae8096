"""Tagging with the real embedding model (slow): the JSON contract, the seed's finding, and the
cross-validated quality the calibration claims."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.nlp import blank_pipeline
from transcript_lens.tagging.calibrate import GOLD, cross_validate, line_tables, read_gold
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
    for passage in record["passages"]:
        assert {"start", "end", "speaker", "lines", "text", "values", "spectrum"} <= set(passage)
        assert all(isinstance(line, int) for line in passage["lines"])
        for tag in passage["values"]:
            assert set(tag) == {"label", "score", "evidence"} and 0 <= tag["score"] <= 1
        if passage["spectrum"] is not None:
            assert set(passage["spectrum"]) == {"label", "mode", "score", "evidence"}
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
def test_cross_validated_quality_holds(seed, tagger):
    """Re-runs the calibration's block cross-validation: fails if a change degrades the tagger
    (measured 0.62 values / 0.62 spectrum when calibrated; the issue asks 0.50 / 0.45)."""
    if not GOLD.is_file():
        pytest.skip("the gold labels are not beside the repository")
    uncalibrated = Tagger(tagger.codebook, tagger.embedder, nlp=tagger.nlp, calibration=None)
    tables = line_tables(uncalibrated, build_passages(analyse(seed).cues), read_gold(GOLD))
    figures = cross_validate(tables)
    assert figures["values"]["head"] >= 0.55
    assert figures["spectrum"]["head"] >= 0.50
    assert figures["values"]["head"] > figures["values"]["similarity"]


@pytest.mark.slow
def test_a_model_name_not_on_this_machine_is_refused():
    with pytest.raises(OptionError, match="is not on this machine, and models are never downloaded"):
        load_embedder("no-such-model-here")
