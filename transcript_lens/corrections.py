"""A person's corrections of who spoke: the ``turns --csv`` file, edited, given back with ``--speakers``.

The loop: ``transcript-lens turns FILE --csv > turns.csv``; change the ``speaker`` column (or give
two names one spelling to merge them); then ``--speakers turns.csv`` on any command. Rows are
matched to the transcript by their ``lines`` (1-based lines of the input file), so a corrected
file stays valid whatever the turn boundaries; every cue on a corrected line takes the row's
speaker, as certain (no longer inferred).

The ``role`` column (facilitator, host or participant), when the file has one, gives each person
their role as a person who has reviewed the session states it: the facilitator is then no longer
a guess. A person whose rows disagree (a participant's row given to the facilitator keeps its old
role cell) takes the role of most of their rows; a tie is refused. ``--facilitator`` and
``--role`` still win. Other columns are ignored.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .csvsafe import restored_rows
from .errors import OptionError, quoted
from .model import ROLES, UNATTRIBUTED, Transcript

_HINT = "give the CSV that `transcript-lens turns FILE --csv` writes, with the speaker column edited"


@dataclass(frozen=True, slots=True)
class Corrections:
    """A corrections file read: who spoke each line, and the roles the file gives."""

    #: input line -> (speaker, CSV row it came from)
    lines: dict[int, tuple[str, int]]
    #: speaker -> role, for the people whose rows give one (empty without a ``role`` column)
    roles: dict[str, str]


def load_corrections(path: str | Path) -> Corrections:
    """The lines and roles of a corrections CSV; one-line errors name the row."""
    file = Path(path)
    if not file.is_file():
        raise OptionError("corrections file not found", path=file, hint=_HINT)
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    reader = csv.DictReader(text.splitlines())
    columns = {name.strip().lower(): name for name in (reader.fieldnames or [])}
    if "speaker" not in columns or "lines" not in columns:
        raise OptionError("needs the columns 'speaker' and 'lines'", path=file, line=1, hint=_HINT)
    speakers: dict[int, tuple[str, int]] = {}
    votes: dict[str, Counter[str]] = {}
    first_row: dict[str, int] = {}
    for row_number, row in enumerate(restored_rows(reader), start=2):
        speaker = (row.get(columns["speaker"]) or "").strip()
        raw_lines = (row.get(columns["lines"]) or "").replace(",", " ").split()
        if not raw_lines and not speaker:
            continue
        if not speaker:
            raise OptionError("the speaker is empty", path=file, line=row_number,
                              hint="write who spoke, or delete the row to keep the inferred speaker")
        if not raw_lines or not all(item.isdigit() for item in raw_lines):
            raise OptionError(f"'lines' must be line numbers separated by spaces, found {quoted(' '.join(raw_lines))}",
                              path=file, line=row_number, hint=_HINT)
        for item in raw_lines:
            line = int(item)
            if line in speakers and speakers[line][0] != speaker:
                raise OptionError(f"line {line} is given to {quoted(speakers[line][0])} (row {speakers[line][1]}) and to "
                                  f"{quoted(speaker)}", path=file, line=row_number, hint="keep one speaker per line")
            speakers[line] = (speaker, row_number)
        role = (row.get(columns["role"]) or "").strip().lower() if "role" in columns else ""
        if role and role != "unattributed" and speaker != UNATTRIBUTED:
            if role not in ROLES:
                allowed = ", ".join(name for name in ROLES if name != "unattributed")
                raise OptionError(f"the role {quoted(role)} is not one of {allowed}", path=file, line=row_number,
                                  hint="write facilitator, host or participant, or leave the cell empty")
            votes.setdefault(speaker, Counter())[role] += len(raw_lines)
            first_row.setdefault(speaker, row_number)
    roles: dict[str, str] = {}
    for speaker, counted in votes.items():
        (role, count), *others = counted.most_common()
        if others and others[0][1] == count:
            raise OptionError(f"{quoted(speaker)} is given the roles {quoted(role)} and {quoted(others[0][0])} on as many "
                              "lines", path=file, line=first_row[speaker], hint="give each person one role")
        roles[speaker] = role
    return Corrections(lines=speakers, roles=roles)


def apply_corrections(transcript: Transcript, corrections: Corrections | dict[int, tuple[str, int]],
                      *, path: str | Path) -> Transcript:
    """The transcript with every corrected line's cues given the corrected speaker."""
    if isinstance(corrections, Corrections):
        corrections = corrections.lines
    known = {line for cue in transcript.cues for line in cue.lines}
    for line, (_, row) in sorted(corrections.items(), key=lambda item: item[1][1]):
        if line not in known:
            raise OptionError(f"line {line} is not a line of speech in {transcript.source}", path=path, line=row,
                              hint="the corrections must come from `turns --csv` of this same file")
    cues = []
    changed = 0
    for cue in transcript.cues:
        speaker = next((corrections[line][0] for line in cue.lines if line in corrections), None)
        if speaker is None:
            cues.append(cue)
            continue
        changed += speaker != cue.speaker
        cues.append(replace(cue, speaker=speaker, confidence=None))
    note = f"Speakers corrected from {Path(path).name} ({len(corrections)} lines, {changed} cues changed)."
    return replace(transcript, cues=tuple(cues), notes=transcript.notes + (note,))
