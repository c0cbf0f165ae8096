"""The small Python API for notebook users (the README's example)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import transcript_lens as tl

from .conftest import FIXTURES

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"


def test_the_readme_example_works():
    session = tl.analyse(WORKSHOP, facilitators=["Rhian"], attendees=FIXTURES / "cli" / "participants.csv")
    assert session.airtime.verdict.startswith("The facilitator (Rhian Price) spoke")
    turns = tl.to_dataframe(session.turns)
    assert list(turns["speaker"]) == [t.speaker for t in session.turns]
    assert {"start", "end", "text", "lines", "seconds", "duration", "words"} <= set(turns.columns)
    speakers = tl.to_dataframe(session.airtime)
    assert speakers.loc[speakers["name"] == "Rhian Price", "role"].item() == "facilitator"
    assert speakers["share"].sum() == pytest.approx(1.0)
    cues = tl.to_dataframe(tl.read_transcript(WORKSHOP))
    assert len(cues) == 7 and cues["speaker"].iloc[0] == "Rhian Price (Host)"


def test_to_dataframe_refuses_other_things():
    with pytest.raises(TypeError, match="to_dataframe takes"):
        tl.to_dataframe([1, 2])


def test_importing_the_package_loads_no_heavy_library():
    code = ("import sys, transcript_lens as tl; tl.analyse; tl.read_transcript; "
            "print([m for m in ('torch', 'spacy', 'sentence_transformers', 'pandas', 'rich') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
