"""Every error a user can cause, under one root.

    TranscriptLensError (ValueError)
    ├── InputError                  a file cannot be used as given
    │   ├── EmptyFileError          the file has no transcript content at all
    │   ├── NotATranscriptError     binary data, a PDF or image, a summary or table, an unknown layout
    │   ├── MalformedError          a known format with a broken line (bad timestamp, truncated cue)
    │   ├── FileTooLargeError       larger than the reader will hold in memory
    │   └── DecodeError             text in no encoding we can read
    └── OptionError                 a command-line option or side file (aliases, roster) is wrong

Each message names the file, the 1-based line where it applies, and what to do. The CLI prints
``str(error)`` on one line and exits non-zero; the library never prints.

A message that quotes the user's content (a line of the file, a speaker's name, a roster entry)
builds the quotation with ``quoted()``: it reads as ``'text'`` in ``str(error)``, and
``error.line_for(anonymise=True)`` — what ``--anonymise`` prints and stores — withholds every
quotation that holds a letter (a name needs letters; a clock such as ``'99:99:99'`` stays, so the
message still says what is wrong and where).
"""

from __future__ import annotations

import re
from pathlib import Path

# Private-use characters around a quotation. ``repr`` escapes them, so file content can never
# forge one: only ``quoted()`` writes them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_QUOTATION = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.DOTALL)
WITHHELD = "[withheld: --anonymise]"


def quoted(content: object, limit: int | None = None, *, plain: bool = False) -> str:
    """``repr`` of user content (cut to ``limit`` characters), or the text itself when ``plain``
    (a list of names), marked as a quotation that ``line_for`` can withhold."""
    if isinstance(content, str) and limit is not None:
        content = content[:limit]
    text = str(content).replace(_OPEN, "").replace(_CLOSE, "") if plain else repr(content)
    return f"{_OPEN}{text}{_CLOSE}"


def render(message: str, *, anonymise: bool = False) -> str:
    """A message with its quotations shown, or withheld where they hold a letter."""
    if anonymise:
        return _QUOTATION.sub(lambda m: WITHHELD if any(c.isalpha() for c in m.group(1)) else m.group(1), message)
    return _QUOTATION.sub(lambda m: m.group(1), message)


def failure_line(error: BaseException, *, anonymise: bool = False) -> str:
    """The one line a failure is recorded with. An unexpected exception's own message may quote
    content nobody marked, so under ``--anonymise`` only its type is kept."""
    if isinstance(error, TranscriptLensError):
        return error.line_for(anonymise=anonymise)
    if anonymise:
        return f"{type(error).__name__} (details withheld under --anonymise)"
    return " ".join(f"{type(error).__name__}: {error}".split())


class TranscriptLensError(ValueError):
    """Root of every error a user can cause; ``str()`` is the one-line message."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = render(message)
        self.hint = render(hint) if hint else hint
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        text = f"{where}{message}"
        if hint:
            text = f"{text} ({hint})"
        #: The message with its quotations marked (see ``quoted``); ``str()`` shows them.
        self.marked = " ".join(text.split())
        super().__init__(render(self.marked))

    def line_for(self, *, anonymise: bool = False) -> str:
        """The one-line message; under ``--anonymise`` without the content it quotes."""
        return render(self.marked, anonymise=anonymise) if hasattr(self, "marked") else str(self)


class InputError(TranscriptLensError):
    """Raised when an input file cannot be read as a transcript."""


class EmptyFileError(InputError):
    """Raised when a file is empty or holds only a header and blank lines."""


class NotATranscriptError(InputError):
    """Raised for binary files, documents of another kind, and layouts no reader recognises."""


class MalformedError(InputError):
    """Raised when a file is in a known format but a line breaks it (the line is named)."""


class FileTooLargeError(InputError):
    """Raised when a file is larger than ``MAX_BYTES`` of the reader."""


class DecodeError(InputError):
    """Raised when the bytes are not text in UTF-8, UTF-16 or a Windows code page."""


class OptionError(TranscriptLensError):
    """Raised for a wrong option value or a side file (aliases, attendees) in the wrong shape."""
