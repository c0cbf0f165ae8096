"""Transcripts without times: plain ``Name: text`` text, and speaker-labelled markdown minutes.

``plain_text``: each line that starts with a short display name and a colon starts a cue; a line
without a name continues the speaker before it. The name rule is strict (capitalised words, no
``Note:``/``Agenda:``/``http:``), and the sniff scores low, so that licence texts, summaries,
outlines, tables and prose are not taken for transcripts.

``markdown_minutes``: minutes written by a note-taker, in two layouts. Bold names (``**Name**:``,
``**Name** (_via chat_):``, ``**Name** - text``), or an attendee table ``| Name | Abbreviation |
Organization |`` followed by ``ABC: text`` turns whose initials are resolved through the table.
Headings, tables, bullets, code and agenda lines are not speech. Neither format has times:
``timed=False`` and airtime falls back to words.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from ..model import UNATTRIBUTED, Cue, Transcript
from ..writing import is_letter_or_mark
from .formats import Format
from .source import Source
from .timing import stated_length

# Words that open a labelled line but never name a speaker.
_NOT_NAMES = frozenset("""
note notes nb ps fyi agenda summary action actions todo to-do decision decisions question questions
http https ftp mailto file warning error info debug date time subject from to cc bcc re title tags
location venue attendees participants present absent apologies regrets minutes update updates outcome
outcomes conclusion conclusions example examples tip tips important source sources step result results
status owner topic topics purpose goal goals objective objectives recording transcript meeting duration
link links url email phone address description version author authors license licence copyright
reminder caution disclaimer attention keywords abstract background context problem solution pros cons
total edit presenter presenters moderator facilitator notetaker video audio slides agreed
resolved resolution decided proposal next remarks comment comments answer definition definitions
""".split()) | {"action items", "actions required", "action item", "next steps", "key points",
                 "key takeaways", "next meeting", "decisions made", "open questions", "meeting notes",
                 "to do", "e.g", "i.e", "e.g.", "i.e.", "n.b"}
# Lower-case name particles that may sit inside a capitalised name ("Vincent van Gogh").
_PARTICLES = frozenset("de da di del della der den van von le la du dos das bin al el y ten ter".split())
_WORD = re.compile(r"^[^\W_][\w.'’\-]*$")
_LABEL = re.compile(r"^(?P<name>[^:\t|*#>\[\]{}<=`]{1,60}?)\s*:\s+(?P<text>\S.*)$")
_PAREN = re.compile(r"\s*\([^()]{1,30}\)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def is_speaker_name(name: str) -> bool:
    """True for a short display name such as ``Jane Doe``, ``Doe, Jane (Guest)`` or ``Speaker 2``.

    Strict on purpose: capitalised words (lower-case particles inside allowed), at most four
    words, no URL schemes or labels such as ``Note``/``Agenda``.
    """
    name = name.strip()
    if not name or name.lower().rstrip(".") in _NOT_NAMES or name.lower() in _NOT_NAMES:
        return False
    core = _PAREN.sub("", name)
    if core.count(",") > 1 or "," in core and ", " not in core:
        return False
    words = core.replace(",", " ").split()
    if not 1 <= len(words) <= 4 or len(core) > 40:
        return False
    if not all(_WORD.match(word) or _marked_word(word) for word in words):
        return False
    first = words[0]
    if not _capital(first[0]) or first.isdigit():
        return False
    return all(_capital(word[0]) or word[0].isdigit() or word in _PARTICLES for word in words[1:])


def _capital(char: str) -> bool:
    """A capital letter, or a letter (or combining mark) of a script without case: Tamil,
    Devanagari, Arabic and Chinese names have no capitals to look for."""
    return char.isupper() or (not char.islower() and is_letter_or_mark(char))


def _marked_word(word: str) -> bool:
    """A name word holding combining marks (Tamil or Devanagari vowel signs, accents in NFD),
    which ``\\w`` does not match: letters, marks, digits and ``.'’-`` only."""
    return not word.isascii() and is_letter_or_mark(word[0]) and all(
        char.isalnum() or char in ".'’-" or is_letter_or_mark(char) for char in word)


def _clean(text: str) -> str:
    return " ".join(html.unescape(text).split())


# --- plain_text -----------------------------------------------------------------------------


def _plain_label(line: str) -> tuple[str, str] | None:
    match = _LABEL.match(line.strip())
    if match is None or not is_speaker_name(match.group("name")):
        return None
    return match.group("name").strip(), match.group("text")


def sniff_plain(source: Source) -> float:
    head = source.head(40)
    if len(head) < 3:
        return 0.0
    names = [label[0] for line in head if (label := _plain_label(line)) is not None]
    distinct = len(set(names))
    # A transcript names a few people again and again; a key-value document names each key once.
    if len(names) < 3 or distinct < 2 or distinct >= len(names) or distinct > max(3, 0.8 * len(names)):
        return 0.0
    share = len(names) / len(head)
    if share < 0.5:
        return 0.0
    return 0.35 + 0.2 * share


def parse_plain(source: Source) -> Transcript:
    blocks: list[tuple[str, list[str], list[int]]] = []
    skipped = 0
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            continue
        label = _plain_label(line)
        if label is not None:
            blocks.append((label[0], [label[1]], [number]))
        elif blocks and not _HEADING.match(line):
            blocks[-1][1].append(line)
            blocks[-1][2].append(number)
        else:
            skipped += 1
    cues = []
    for speaker, pieces, numbers in blocks:
        text = _clean(" ".join(pieces))
        if text:
            cues.append(Cue(None, None, _clean(speaker), text, tuple(numbers)))
    notes = ["The file has no times: airtime is measured in words.",
             "A line without a 'Name:' label continues the speaker before it."]
    if skipped:
        notes.append(f"{skipped} line(s) before the first speaker label (or headings) were not read as speech.")
    return Transcript(source=source.path, format="plain_text", cues=tuple(cues), timed=False,
                      notes=source.notes + tuple(notes))


# --- markdown_minutes -----------------------------------------------------------------------

# **Name**: text / **Name** (_via chat_): text / **Name** - text / **Name:** text
_BOLD_TURN = re.compile(
    r"^\*\*(?P<name>[^*\[\]]{1,60}?)(?P<inner>:)?\*\*\s*(?P<chat>\(_?via chat_?\))?\s*"
    r"(?(inner)|(?::|\s[-–—]))\s*(?P<text>.*)$")
# **A** and **B**: text (several people at once)
_BOLD_JOINT = re.compile(r"^(?P<names>\*\*[^*]{1,60}\*\*(?:,?\s+(?:and\s+|&\s+)?\*\*[^*]{1,60}\*\*)+)"
                         r"\s*(?P<sep>:)?\s*(?P<text>.*)$")
# **Name** asks whether ... (the note-taker reporting speech)
_BOLD_REPORTED = re.compile(r"^\*\*(?P<name>[^*\[\]]{1,60}?)\*\*\s+(?P<text>[a-z].*)$")
_BOLD_NAME = re.compile(r"\*\*([^*]{1,60})\*\*")
_INITIALS_TURN = re.compile(r"^(?P<abbr>[A-Z][A-Z0-9]{1,4}):\s+(?P<text>\S.*)$")
# ">> text" and "???: text": a voice the note-taker could not name.
_VOICE = re.compile(r"^(?:>>|\?{2,}\s*:)\s*(?P<text>\S.*)$")
_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_ABBREVIATION_HEADER = re.compile(r"^\s*\|\s*Name\s*\|\s*Abbreviation\s*\|", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_RESET = re.compile(r"^\s*(?:#|\||```|~~~|---|___|\*\*|>|\\?\[|_.*_\s*$|Presenter:|Video\s*\|)|.*\s\|\s")
_NOTE = re.compile(r"\(\s*_[^()]*\)")
_ATTENDEES_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?\**Attendees\**:?\**\s*$", re.IGNORECASE)
_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*#*$")
_DATE_DMY = re.compile(r"\b(?P<d>\d{1,2}) (?P<month>[A-Z][a-z]+),? (?P<y>\d{4})\b")
_DATE_MDY = re.compile(r"\b(?P<month>[A-Z][a-z]{2,8})\.? (?P<d>\d{1,2})(?:st|nd|rd|th)?,? (?P<y>\d{4})\b")
# Digits bounded so that a runaway number is no duration at all rather than a huge integer.
_DURATION = re.compile(r"Duration:\s*(?:(?P<h>\d{1,6}):(?P<m>\d{2})\s*h|(?P<min>\d{1,6})\s*min)", re.IGNORECASE)


def _bold_speaker(name: str) -> bool:
    """Bold marks a label already, so handles such as ``lightclient`` count; section labels do not."""
    name = name.strip()
    if name.lower() in _NOT_NAMES or not name or not is_letter_or_mark(name[0]):
        return False
    return (is_speaker_name(name) or bool(re.fullmatch(r"[^\W\d_][\w.'’\-]{1,30}", name))
            or (len(name) <= 31 and " " not in name and _marked_word(name)))


def sniff_minutes(source: Source) -> float:
    head = source.head(80)
    if any(_ABBREVIATION_HEADER.match(line) for line in head):
        return 0.85
    names = []
    for line in head:
        match = _BOLD_TURN.match(line)
        if match is not None and _bold_speaker(match.group("name")) and match.group("text").strip():
            names.append(match.group("name").strip())
    if len(names) >= 3 and len(set(names)) >= 2:
        return 0.75
    return 0.0


def parse_minutes(source: Source) -> Transcript:
    lines = source.lines
    table = _initials_table(lines)
    cues: list[Cue] = []
    current: list[str] = []  # the speakers a continuation paragraph belongs to
    in_code = False
    unknown: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            current = []
            continue
        if in_code or not line:
            continue
        found = _initials_turn(line, table, unknown) if table else _bold_turn(line)
        if found is not None:
            speakers, text, flags, change = found
            current = speakers if speakers != [UNATTRIBUTED] else []
            cues.extend(_cues(speakers, text, number, flags, change))
            continue
        if current and not _RESET.match(raw) and not _BULLET.match(raw) and not raw.startswith("    "):
            cues.extend(_cues(current, line, number, (), False))
        else:
            current = []

    notes = ["The file has no times: airtime is measured in words."]
    if table:
        notes.append("Speakers are given by initials; they were resolved to full names from the attendee table.")
        if unknown:
            notes.append(f"Initials not in the attendee table were kept as they are: {', '.join(sorted(unknown))}.")
    if any("via_chat" in cue.flags for cue in cues):
        notes.append("Lines marked '(via chat)' were written in the chat, not spoken; they are flagged 'via_chat'.")
    if any("reported" in cue.flags for cue in cues):
        notes.append("Lines where the note-taker reports what someone said ('**Name** asks ...') are "
                     "credited to that person and flagged 'reported'.")
    if any("joint" in cue.flags for cue in cues):
        notes.append("Lines credited to several people at once are repeated for each and flagged 'joint'.")
    if any(cue.speaker == UNATTRIBUTED for cue in cues):
        notes.append("'>>' and '???:' lines are an unidentified voice and are unattributed.")
    attendees = tuple(dict.fromkeys(table.values())) if table else _attendee_list(lines)
    return Transcript(source=source.path, format="markdown_minutes", cues=tuple(cues), timed=False,
                      title=_title(lines), date=_date(lines), declared_duration=_duration(lines, source.path),
                      attendees=attendees, notes=source.notes + tuple(notes))


def _cues(speakers: list[str], text: str, number: int, flags: tuple[str, ...],
          change: bool) -> list[Cue]:
    text = _clean(_strip_markdown(_NOTE.sub("", text)))
    if not text:
        return []
    flags = flags + (("joint",) if len(speakers) > 1 and "joint" not in flags else ())
    return [Cue(None, None, speaker, text, (number,), speaker_change=change, flags=flags)
            for speaker in speakers]


def _strip_markdown(text: str) -> str:
    text = text.replace("**", "")
    return re.sub(r"\\([\[\]\\*_`#|])", r"\1", text)


def _bold_turn(line: str) -> tuple[list[str], str, tuple[str, ...], bool] | None:
    joint = _BOLD_JOINT.match(line)
    if joint is not None:
        names = [name.strip() for name in _BOLD_NAME.findall(joint.group("names"))]
        if all(_bold_speaker(name) for name in names):
            flags = ("joint",) if joint.group("sep") else ("joint", "reported")
            return names, joint.group("text"), flags, False
    match = _BOLD_TURN.match(line)
    if match is not None and _bold_speaker(match.group("name")):
        if not match.group("text").strip():
            return None  # "**Decisions**:" and the like introduce a list
        flags = ("via_chat",) if match.group("chat") else ()
        return [_clean(match.group("name"))], match.group("text"), flags, False
    reported = _BOLD_REPORTED.match(line)
    if reported is not None and _bold_speaker(reported.group("name")):
        return [_clean(reported.group("name"))], reported.group("text"), ("reported",), False
    return None


def _initials_turn(line: str, table: dict[str, str],
                   unknown: set[str]) -> tuple[list[str], str, tuple[str, ...], bool] | None:
    voice = _VOICE.match(line)
    if voice is not None:
        return [UNATTRIBUTED], voice.group("text"), (), True
    match = _INITIALS_TURN.match(line)
    if match is None:
        return None
    abbr = match.group("abbr")
    if abbr not in table:
        unknown.add(abbr)
    return [table.get(abbr, abbr)], match.group("text"), (), False


def _initials_table(lines: tuple[str, ...]) -> dict[str, str]:
    """Abbreviation -> full name from the ``| Name | Abbreviation | ... |`` table, if any."""
    table: dict[str, str] = {}
    inside = False
    for line in lines:
        if _ABBREVIATION_HEADER.match(line):
            inside = True
            continue
        if not inside:
            continue
        row = _TABLE_ROW.match(line)
        if row is None:
            if table:
                break
            continue
        cells = [cell.strip() for cell in row.group(1).split("|")]
        if len(cells) >= 2 and cells[1] and not set(cells[0]) <= set("-: "):
            table.setdefault(cells[1], _clean(cells[0]))
    return table


def _attendee_list(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Names from a bulleted list under an ``Attendees`` heading."""
    names: list[str] = []
    inside = False
    for line in lines:
        if _ATTENDEES_HEADING.match(line):
            inside = True
            continue
        if not inside:
            continue
        bullet = re.match(r"^\s*[-*+]\s+(.+?)\s*$", line)
        if bullet is not None:
            names.append(_clean(_strip_markdown(bullet.group(1))))
        elif line.strip() and names:
            inside = False
    return tuple(dict.fromkeys(names))


def _title(lines: tuple[str, ...]) -> str | None:
    for line in lines[:20]:
        match = _TITLE.match(line.strip())
        if match is not None:
            return _clean(_strip_markdown(match.group("title")))
    return None


def _date(lines: tuple[str, ...]) -> str | None:
    for line in lines[:20]:
        for pattern in (_DATE_DMY, _DATE_MDY):
            match = pattern.search(line)
            if match is None:
                continue
            for fmt in ("%d %B %Y", "%d %b %Y"):
                try:
                    return datetime.strptime(f"{match.group('d')} {match.group('month')} {match.group('y')}",
                                             fmt).date().isoformat()
                except ValueError:
                    continue
    return None


def _duration(lines: tuple[str, ...], path: str) -> float | None:
    for number, line in enumerate(lines[:20], start=1):
        match = _DURATION.search(line)
        if match is not None:
            if match.group("min"):
                seconds = float(int(match.group("min")) * 60)
            else:
                seconds = float(int(match.group("h")) * 3600 + int(match.group("m")) * 60)
            return stated_length(seconds, path=path, line=number)
    return None


FORMATS = (
    Format(
        name="markdown_minutes",
        label="Speaker-labelled markdown minutes (no times)",
        kind="transcript",
        suffixes=(".md",),
        recognised_by="'**Name**: text' lines, or an '| Name | Abbreviation |' table then 'ABC: text' turns",
        sniff=sniff_minutes,
        parse=parse_minutes,
    ),
    Format(
        name="plain_text",
        label="Plain 'Name: text' transcript (no times)",
        kind="transcript",
        suffixes=(".txt",),
        recognised_by="most lines start with a short capitalised name and a colon; no timestamps",
        sniff=sniff_plain,
        parse=parse_plain,
    ),
)
