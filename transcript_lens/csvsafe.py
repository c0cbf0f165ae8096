"""CSV cells that a spreadsheet will not run as formulas, and back.

Transcripts carry other people's words and display names, and a CSV the tool writes is opened in
Excel or LibreOffice for review. A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read there as a formula (``=HYPERLINK(...)`` in a display name runs when the review file
is opened: "CSV injection", OWASP). Every CSV writer here passes its cells through
``neutralise``, which puts an apostrophe in front of such text (spreadsheets show the text and
hide the apostrophe); every reader of the tool's own CSVs (corrections, tag decisions, keys) passes
them through ``restore``, so a file goes round unchanged. Numbers stay numbers: ``-0.5`` is not text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text a spreadsheet would run."""
    # Text that already looks protected ("'=x") gets one more apostrophe, so that it reads back as written.
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: neutralise(value) for key, value in row.items()}


def restore(value: str | None) -> str | None:
    """The text ``neutralise`` protected, as it was (other text unchanged)."""
    if value and value[0] == "'" and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def restored_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows of a ``csv.DictReader`` with every cell restored (a short row's missing cells stay None)."""
    for row in rows:
        yield {key: restore(value) if isinstance(value, str) else value for key, value in row.items()}
