"""Speaker labels and roster entries that are not people: shared audio, presentations, recorders.

Owns one small rule set, written out in docs/metrics.md ("Who counts as a person"):

- shared audio: ``Audio shared by <name>``, ``Shared audio``, ``<name>'s shared audio`` (Zoom and
  Meet name the sound of a shared screen or video so);
- presentation: ``<name>'s Presentation``, ``Presentation by <name>``, ``<name>'s screen share``
  (Meet credits what a presented tab plays to it);
- recorder: a recorder or note-taking bot: ``Otter.ai``, ``<name>'s OtterPilot``, ``Fireflies.ai
  Notetaker``, ``Read.ai meeting notes``, ``tl;dv``, ``Fathom``, ``Zoom recorder``, ``Recording``,
  ``Meeting Recorder``, ``Meeting Bot`` — a label holding one of the words in ``_RECORDER``.

The rules look only at the whole label, never at what was said, and were written from the
product names and Meet/Zoom labels, not tuned on any transcript. Airtime leaves such labels out of
people and equity figures and reports them apart (``equity.measure``). This module imports only
``re``: it runs on the airtime path.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The kinds, in the order the reports list them.
KINDS = ("shared audio", "presentation", "recorder")

# Kept as pattern strings: ``re`` compiles each once, on the first label that gets past
# ``_HINTS`` (compiling them at import cost 2 ms of the airtime start-up; most files never need them).
_OWNER = r"(?P<{group}>\S.*?)['’]s"
_RULES = (
    r"^(?:"
    # shared audio
    r"(?:shared\s+)?(?:computer\s+|screen\s+|system\s+)?audio(?:\s+shared)?(?:\s+(?:by|from)\s+(?P<audio_by>\S.*))?"
    r"|" + _OWNER.format(group="audio_of") + r"\s+(?:shared\s+|computer\s+|screen\s+)?audio"
    # presentation
    r"|(?P<presentation>presentation|screen\s+share|shared\s+screen)(?:\s+(?:by|from)\s+(?P<presented_by>\S.*))?"
    r"|" + _OWNER.format(group="presented_of") + r"\s+(?:presentation|screen(?:\s+share)?|shared\s+screen)"
    r")\s*(?:\(\d+\))?$")
# Recorders and note-takers: a product name or a word no person is called, anywhere in the label.
_RECORDER = (
    r"(?:^|[\s(\[-])(?:otter\.ai|otterpilot|fireflies(?:\.ai)?|read\.ai|tl;dv|tldv|fathom|avoma|tactiq|sembly"
    r"|notetaker|note[\s-]taker|meeting\s+notes|recorder|recording|transcriber|bot)(?=$|[\s).\]-])")
_POSSESSIVE = r"^(?P<owner>\S.*?)['’]s\s"
#: Every rule needs one of these (lower-cased) in the label: a cheap test that spares the patterns.
_HINTS = ("audio", "present", "screen", "otter", "fireflies", "read.ai", "tl;dv", "tldv", "fathom", "avoma",
          "tactiq", "sembly", "note", "record", "transcriber", "bot")


class NonPerson(NamedTuple):
    """A label that names no person: its ``kind`` (``KINDS``) and the person it belongs to
    (``owner``, as the label writes it) when the label says so.

    A NamedTuple, not a dataclass: built on the airtime path, cheap to define."""

    label: str
    kind: str
    owner: str | None = None


def classify(label: str) -> NonPerson | None:
    """The non-person ``label`` is, or None for a label that may be a person."""
    text = " ".join(label.split())
    lowered = text.lower()
    if not any(hint in lowered for hint in _HINTS):
        return None
    match = re.match(_RULES, text, re.IGNORECASE)
    if match is not None:
        groups = match.groupdict()
        kind = "shared audio" if groups["presentation"] is None and groups["presented_of"] is None else "presentation"
        owner = groups["audio_by"] or groups["audio_of"] or groups["presented_by"] or groups["presented_of"]
        return NonPerson(label=label, kind=kind, owner=owner.strip() if owner else None)
    if re.search(_RECORDER, text, re.IGNORECASE) is not None:
        possessive = re.match(_POSSESSIVE, text)
        return NonPerson(label=label, kind="recorder", owner=possessive.group("owner") if possessive else None)
    return None


def describe(kind: str) -> str:
    """The kind as a report's row label names it."""
    return {"shared audio": "Shared audio", "presentation": "Presentation", "recorder": "Recorder / bot"}.get(
        kind, kind)
