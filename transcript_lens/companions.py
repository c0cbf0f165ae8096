"""The data model of companion files: a meeting's chat and its attendance list.

Kept apart from ``model.py`` so that the airtime path, which reads neither, does not build these
types at start-up. Like the model, it knows no file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .writing import count_words


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a meeting chat export. ``direct`` marks a private (direct) message."""

    time: float | None
    sender: str
    text: str
    lines: tuple[int, ...]
    recipient: str | None = None
    direct: bool = False
    reaction: bool = False

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True, slots=True)
class Chat:
    source: str
    format: str
    messages: tuple[ChatMessage, ...]


@dataclass(frozen=True, slots=True)
class Attendee:
    """One row of a participants/attendance list: a display name and minutes present if known."""

    name: str
    minutes: float | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Roster:
    source: str
    format: str
    attendees: tuple[Attendee, ...] = field(default_factory=tuple)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(attendee.name for attendee in self.attendees)
