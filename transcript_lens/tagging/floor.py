"""Who held the floor while each value and spectrum position was discussed.

For every code, the passages tagged with it are summed by role: seconds (or words when the
transcript has no times) spoken by the facilitator(s), the host, participants and nobody named.
This is the finding users need ("talk about sharing power was mostly the facilitator's"), and it
comes from the same passages and the same cast as the tags and the airtime.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..speakers import Cast
from .tagger import Tagging

MODES = ("doing to", "doing for", "doing with")


def floor_by_code(tagging: Tagging, cast: Cast, *, timed: bool) -> dict[str, dict[str, Any]]:
    """``{code: {"passages", "amount", "facilitator_share", "participants_share", ...}}``."""
    amounts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for tagged in tagging.passages:
        passage = tagged.passage
        amount = passage.seconds if timed else float(passage.words)
        role = cast.role_of(passage.speaker)
        labels = [tag.label for tag in tagged.values] + ([tagged.spectrum.label] if tagged.spectrum else [])
        for label in labels:
            amounts[label][role] += amount
            counts[label] += 1
    summary = {}
    for label, by_role in amounts.items():
        total = sum(by_role.values()) or 1.0
        summary[label] = {
            "passages": counts[label],
            "seconds" if timed else "words": round(sum(by_role.values()), 3),
            "facilitator_share": round(by_role.get("facilitator", 0.0) / total, 4),
            "host_share": round(by_role.get("host", 0.0) / total, 4),
            "participants_share": round(by_role.get("participant", 0.0) / total, 4),
            "unattributed_share": round(by_role.get("unattributed", 0.0) / total, 4),
        }
    return summary


def mode_balance(tagging: Tagging, *, timed: bool) -> dict[str, float]:
    """Share of the spectrum-tagged talk in each mode (doing to / for / with)."""
    amounts: dict[str, float] = defaultdict(float)
    for tagged in tagging.passages:
        if tagged.spectrum is not None and tagged.spectrum.mode:
            passage = tagged.passage
            amounts[tagged.spectrum.mode] += passage.seconds if timed else float(passage.words)
    total = sum(amounts.values())
    return {mode: round(amounts[mode] / total, 4) if total else 0.0 for mode in sorted(amounts, key=_mode_order)}


def _mode_order(mode: str) -> tuple[int, str]:
    return (MODES.index(mode) if mode in MODES else len(MODES), mode)
