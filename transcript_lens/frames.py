"""pandas DataFrames of the library's results, for notebook users. pandas is imported here only."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from .analysis import Analysis
from .equity import Airtime
from .model import Cue, Transcript, Turn


def to_dataframe(value: Any):
    """A DataFrame of turns (a tuple of ``Turn``), cues (a ``Transcript``), per-speaker airtime
    (an ``Airtime``) or, for an ``Analysis``, its turns."""
    import pandas as pd

    if isinstance(value, Analysis):
        value = value.turns
    if isinstance(value, Transcript):
        value = value.cues
    if isinstance(value, Airtime):
        frame = pd.DataFrame([asdict(row) for row in value.speakers])
        frame.insert(0, "source", value.source)
        return frame
    rows = list(value)
    if rows and all(isinstance(row, (Turn, Cue)) for row in rows):
        records = []
        for row in rows:
            record = {field: getattr(row, field) for field in row.__slots__}
            record["duration"] = row.duration
            record["words"] = row.words
            records.append(record)
        return pd.DataFrame(records)
    if not rows:
        return pd.DataFrame()
    if all(is_dataclass(row) for row in rows):
        return pd.DataFrame([asdict(row) for row in rows])
    raise TypeError(f"to_dataframe takes turns, a Transcript, an Airtime or an Analysis, not {type(value).__name__}")
