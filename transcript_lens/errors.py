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
"""

from __future__ import annotations

from pathlib import Path


class TranscriptLensError(ValueError):
    """Root of every error a user can cause; ``str()`` is the one-line message."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        self.hint = hint
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        text = f"{where}{message}"
        if hint:
            text = f"{text} ({hint})"
        super().__init__(" ".join(text.split()))


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
