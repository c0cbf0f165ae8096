"""Zoom meeting chat saved as text, in the three layouts Zoom has written.

1. Cloud recording chat (``..._newChat.txt``, 2022+): ``HH:MM:SS<TAB>Name:<TAB>message``.
2. Older local saves: ``HH:MM:SS<TAB> From  Name : message``, or ``From  Name  to  Other(Privately)
   : message`` for a private one.
3. Local saves since 2021 (``meeting_saved_chat.txt``): ``HH:MM:SS From  Name  to  Everyone:``
   with the message on the following, tab-indented lines.

In every layout a line that does not start a message continues the one before, so multi-line
messages keep all their lines. Times are the clock as written (cloud files count from the
recording start, local saves give the time of day), carried over midnight. A message to anyone
but everyone is ``direct`` with its ``recipient``; ``Reacted to "..." with 👍`` and ``Removed a 👍
reaction from "..."`` are marked ``reaction``; ``Replying to "..."`` stays a message.
Not read: threads (a reply is not linked to what it replies to) and file-transfer notices.
"""

from __future__ import annotations

import re

from ..errors import MalformedError, quoted
from ..companions import Chat, ChatMessage
from .formats import Format
from .source import Source
from .timing import DayClock, parse_clock

_START = r"^(?:\d{4}-\d{2}-\d{2}\s+)?(?P<time>\d{1,2}:\d{2}:\d{2})"
_HEADERS = (
    # 2: "From Name : message"; the colon has a space before it.
    re.compile(_START + r"\s+From\s+(?P<who>.+?)\s+:(?:\s(?P<text>.*))?$"),
    # 3: "From ... to Everyone:" alone; the colon follows the recipient directly.
    re.compile(_START + r"\s+From\s+(?P<who>.*\S):\s*$"),
    # 1: tab-separated name and message (a message may be empty: "Name:" at the line's end).
    re.compile(_START + r"\t\s*(?P<who>[^\t]*?[^\t\s]):(?:\t(?P<text>.*))?\s*$"),
)
_CLOUD = _HEADERS[2]
_RECIPIENT = re.compile(r"^(?P<sender>.+?)\s+to\s+(?P<recipient>.+)$", re.IGNORECASE)
_PRIVATE = re.compile(r"\s*\((?:direct message|privately)\)\s*$", re.IGNORECASE)
_REACTION = re.compile(r'^(?:Reacted to ".*" with\s|Removed an? .+ reaction from ")', re.DOTALL)


def _header(line: str) -> re.Match | None:
    """The match of the layout ``line`` starts a message in; its ``re`` tells which layout."""
    for pattern in _HEADERS:
        match = pattern.match(line)
        if match is not None:
            return match
    return None


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head or _header(head[0]) is None:
        return 0.0
    # Continuation lines (multi-line messages, layout 3's message lines) lower the share.
    return 0.6 + 0.35 * sum(1 for line in head if _header(line)) / len(head)


def parse(source: Source) -> Chat:
    # (time, who, from layout, text lines, line numbers)
    raw: list[tuple[float, str, bool, list[str], list[int]]] = []
    clock_run = DayClock()
    for number, line in enumerate(source.lines, start=1):
        match = _header(line.rstrip())
        if match is None:
            if not line.strip():
                continue
            if not raw:
                raise MalformedError(f"expected a chat line such as 'HH:MM:SS<TAB>Name:<TAB>message', "
                                     f"found {quoted(line.strip(), 40)}", path=source.path, line=number,
                                     hint="check that this is a Zoom chat file, or leave it out")
            raw[-1][3].append(line.strip())
            raw[-1][4].append(number)
            continue
        clock = parse_clock(match.group("time"))
        if clock is None:
            raise MalformedError(f"{quoted(match.group('time'))} is not a time", path=source.path,
                                 line=number, hint="fix the timestamp")
        text = (match.groupdict().get("text") or "").strip()
        from_layout = match.re is not _CLOUD
        raw.append((clock_run.carried(clock), match.group("who").strip(), from_layout, [text] if text else [],
                    [number]))
    return Chat(source=source.path, format="zoom_chat",
                messages=tuple(_message(*entry) for entry in raw))


def _message(time: float, who: str, from_layout: bool, pieces: list[str],
             lines: list[int]) -> ChatMessage:
    sender, recipient, direct = who, None, False
    private = _PRIVATE.search(who)
    to = _RECIPIENT.match(_PRIVATE.sub("", who))
    # Cloud files write only "Name:", and a name may hold " to "; the field is split at "to"
    # only in the From layouts or when a private-message mark shows it names a recipient.
    if to is not None and (from_layout or private):
        sender = to.group("sender").strip()
        recipient = to.group("recipient").strip()
        direct = bool(private) or not recipient.lower().startswith("everyone")
        if not direct:
            recipient = None
    text = "\n".join(pieces)
    return ChatMessage(time=time, sender=sender, text=text, lines=tuple(lines),
                       recipient=recipient, direct=direct, reaction=bool(_REACTION.match(text)))


def public_messages(chat: Chat, *, include_direct: bool = False,
                    include_reactions: bool = False) -> tuple[ChatMessage, ...]:
    """The messages everyone could read: direct messages and emoji reactions left out."""
    return tuple(message for message in chat.messages
                 if (include_direct or not message.direct)
                 and (include_reactions or not message.reaction))


FORMATS = (
    Format(
        name="zoom_chat",
        label="Zoom meeting chat (.txt)",
        kind="chat",
        suffixes=(".txt",),
        recognised_by="'HH:MM:SS<TAB>Name:<TAB>message' or 'HH:MM:SS From Name to Everyone:' lines",
        sniff=sniff,
        parse=parse,
    ),
)
