"""A person's decisions on tags: the ``tag --csv`` file, reviewed, given back with ``--tag-corrections``.

The loop, as for speakers (``corrections.py``): ``transcript-lens tag FILE --csv > tags.csv``; in the
``decision`` column write ``right`` where the row's tags are the passage's (after editing the
``values`` and ``spectrum`` columns to change them) or ``wrong`` where none of them applies; leave it
empty to let the tagger decide. Then ``--tag-corrections tags.csv`` on ``tag``, ``report`` or
``batch``. Rows are matched to passages by their ``lines`` (1-based lines of the input file), so a
decision holds whatever the tagger says next time. A reviewed passage carries exactly the tags
the person gave, each confirmed (score 1.0, ``Tag.confirmed``), and nothing of the model's: a tag
marked wrong leaves the evidence and the coverage figures. Other columns are ignored.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..csvsafe import restored_rows
from ..errors import OptionError, quoted
from .codebook import Codebook
from .tagger import Tag, Tagging

#: What the ``decision`` column may say (empty: the tagger decides).
DECISIONS = ("right", "wrong")
#: The evidence of a tag a person gave: no codebook statement was matched.
CONFIRMED = "confirmed by a person"
_HINT = "give the CSV that `transcript-lens tag FILE --csv` writes, with the decision column filled in"


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewed row: its CSV row number, the input lines it covers, ``right`` or ``wrong``, and
    the tags it gives (only for ``right``)."""

    row: int
    lines: tuple[int, ...]
    decision: str
    values: tuple[str, ...]
    spectrum: str | None
    text: str


@dataclass(frozen=True, slots=True)
class TagDecisions:
    path: str
    #: The transcript ``tag --csv`` was run on (its ``source`` column): how ``batch`` pairs them.
    source: str | None
    decisions: tuple[Decision, ...]


def load_tag_decisions(path: str | Path, codebook: Codebook) -> TagDecisions:
    """The reviewed rows of a tags CSV; one-line errors name the file, the row and what to do."""
    file = Path(path)
    if not file.is_file():
        raise OptionError("tag corrections file not found", path=file, hint=_HINT)
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    reader = csv.DictReader(text.splitlines())
    columns = {name.strip().lower(): name for name in (reader.fieldnames or []) if name}
    needed = ("lines", "values", "spectrum", "decision")
    if any(name not in columns for name in needed):
        raise OptionError("needs the columns 'lines', 'values', 'spectrum' and 'decision'", path=file, line=1,
                          hint=_HINT)
    groups = {code.id: code.group for code in codebook.codes}
    source = None
    decisions = []
    for row_number, row in enumerate(restored_rows(reader), start=2):
        def cell(name: str) -> str:
            return (row.get(columns[name]) or "").strip() if name in columns else ""

        source = source or cell("source") or None
        decision = cell("decision").lower()
        if not decision:
            continue  # not reviewed: the tagger decides
        if decision not in DECISIONS:
            raise OptionError(f"the decision must be right, wrong or empty, found {quoted(cell('decision'))}",
                              path=file, line=row_number,
                              hint="right: the row's values and spectrum are the passage's tags; wrong: none of "
                                   "them applies; empty: the tagger decides")
        raw_lines = cell("lines").replace(",", " ").split()
        if not raw_lines or not all(item.isdigit() for item in raw_lines):
            raise OptionError(f"'lines' must be line numbers separated by spaces, found {quoted(cell('lines'))}",
                              path=file, line=row_number, hint=_HINT)
        values = tuple(dict.fromkeys(cell("values").replace(",", " ").split()))
        spectrum_ids = [item for item in cell("spectrum").replace(",", " ").split() if item != "-"]
        for code in (*values, *spectrum_ids):
            if code not in groups:
                raise OptionError(f"{quoted(code)} is not a code of the codebook {codebook.name}", path=file,
                                  line=row_number,
                                  hint=f"use its ids: values {', '.join(c.id for c in codebook.values)}; spectrum "
                                       f"{', '.join(c.id for c in codebook.spectrum)}")
        for code in values:
            if groups[code] != "values":
                raise OptionError(f"{quoted(code)} is a spectrum position, not a value", path=file,
                                  line=row_number, hint="move it to the spectrum column")
        for code in spectrum_ids:
            if groups[code] != "spectrum":
                raise OptionError(f"{quoted(code)} is a value, not a spectrum position", path=file,
                                  line=row_number, hint="move it to the values column")
        if len(spectrum_ids) > 1:
            raise OptionError(f"a passage has one spectrum position, found {quoted(' '.join(spectrum_ids))}",
                              path=file, line=row_number, hint="keep the one that applies")
        right = decision == "right"
        decisions.append(Decision(row=row_number, lines=tuple(sorted({int(item) for item in raw_lines})),
                                  decision=decision, values=values if right else (),
                                  spectrum=spectrum_ids[0] if right and spectrum_ids else None,
                                  text=cell("text")))
    return TagDecisions(path=str(file), source=source, decisions=tuple(decisions))


def apply_tag_decisions(tagging: Tagging, decisions: TagDecisions, codebook: Codebook) -> Tagging:
    """The tagging with every reviewed passage carrying the person's tags instead of the model's."""
    passages = [tagged.passage for tagged in tagging.passages]
    # Every line of speech lies in exactly one passage.
    known = {line: index for index, passage in enumerate(passages) for line in passage.lines}
    where = f"`tag --csv` of {tagging.source}"
    by_passage: dict[int, Decision] = {}
    for decision in decisions.decisions:
        missing = [line for line in decision.lines if line not in known]
        if missing:
            raise OptionError(f"line {missing[0]} is not a line of speech in {tagging.source}", path=decisions.path,
                              line=decision.row, hint=f"the file must come from {where}")
        touched = sorted({known[line] for line in decision.lines})
        exact = [index for index in touched if passages[index].lines == decision.lines]
        if decision.text and exact and not _same_text(decision.text, passages[exact[0]].text):
            raise OptionError(f"its text is not what lines {_span(decision.lines)} of {tagging.source} say",
                              path=decisions.path, line=decision.row, hint=f"the file must come from {where}")
        for index in touched:
            earlier = by_passage.get(index)
            if earlier is not None and (earlier.decision, earlier.values, earlier.spectrum) != \
                    (decision.decision, decision.values, decision.spectrum):
                raise OptionError(f"lines {_span(decision.lines)} share a passage with row {earlier.row}, which "
                                  f"gives it other tags", path=decisions.path, line=decision.row,
                                  hint="give the rows of one passage the same decision and tags")
            by_passage[index] = decision
    codes = {code.id: code for code in codebook.codes}
    tagged_passages = list(tagging.passages)
    for index, decision in by_passage.items():
        values = tuple(Tag(code, 1.0, CONFIRMED, confirmed=True) for code in decision.values)
        spectrum = (Tag(decision.spectrum, 1.0, CONFIRMED, mode=codes[decision.spectrum].mode, confirmed=True)
                    if decision.spectrum else None)
        given = set(decision.values) | ({decision.spectrum} if decision.spectrum else set())
        scores = tuple((code.id, 1.0 if code.id in given else 0.0) for code in codebook.codes)
        tagged_passages[index] = replace(tagged_passages[index], values=values, spectrum=spectrum, scores=scores,
                                         reviewed=True)
    wrong = sum(1 for decision in by_passage.values() if decision.decision == "wrong")
    note = (f"Tags decided by a person from {Path(decisions.path).name}: {len(by_passage)} passages reviewed "
            f"({len(by_passage) - wrong} with the tags given there, {wrong} with none).")
    return replace(tagging, passages=tuple(tagged_passages), notes=tagging.notes + (note,))


def _same_text(given: str, passage: str) -> bool:
    """The row's text is the passage's; a CSV written under ``--anonymise`` has names masked, which
    keeps every word count, so there the counts must agree."""
    return " ".join(given.split()) == " ".join(passage.split()) or len(given.split()) == len(passage.split())


def _span(lines: Sequence[int]) -> str:
    return f"{lines[0]}–{lines[-1]}" if len(lines) > 1 else str(lines[0])
