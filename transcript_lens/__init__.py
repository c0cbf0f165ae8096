"""transcript_lens: read meeting transcripts, split speaker turns, measure airtime equity.

The small API for notebooks::

    import transcript_lens as tl
    session = tl.analyse("meeting.vtt", facilitators=["Amy"])
    session.airtime.verdict                 # one sentence
    tl.to_dataframe(session.turns)          # pandas, imported only here
    tl.to_dataframe(session.airtime)        # one row per speaker

Importing the package loads neither torch nor spaCy; names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "read_transcript": "io", "read_chat": "io", "read_roster": "io", "format_names": "io",
    "analyse": "analysis", "Analysis": "analysis",
    "to_dataframe": "frames",
    "Cue": "model", "Transcript": "model", "Turn": "model", "Speaker": "model", "UNATTRIBUTED": "model",
    "Airtime": "equity", "TranscriptLensError": "errors",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'transcript_lens' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
