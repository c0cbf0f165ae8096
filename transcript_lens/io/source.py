"""Turning a file's bytes into text lines that readers can parse, and refusing what is not text.

Owns: the size limit, binary/document detection (PDF, images, zip that is not a .docx), BOMs,
UTF-8/UTF-16/cp1252 decoding, mojibake repair (ftfy, imported only when a line looks broken),
and splitting into lines without shifting line numbers. Readers receive a ``Source`` and never
open files themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DecodeError, EmptyFileError, FileTooLargeError, NotATranscriptError

#: Larger files are refused before reading: the longest real transcripts are a few MB.
MAX_BYTES = 256 * 1024 * 1024
#: Sniffers see at most this much of a line: layouts show in a line's start, and some sniffing
#: patterns take time quadratic in a line's length (a 90,000-character line took 40 s).
SNIFF_CHARS = 1000

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF (audio/video/WebP) file"),
    (b"ID3", "an MP3 audio file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) document"),
    (b"SQLite format 3", "an SQLite database"),
)
_ZIP_MAGIC = b"PK\x03\x04"
# Characters that do not occur in text files (tab, CR, LF, FF and VT aside).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
# Sequences that UTF-8 read as cp1252/latin-1 leaves behind ("90Â min", "itâ€™s").
# Compiled on first use only: most files are ASCII or clean, and start-up time counts.
_MOJIBAKE = "[\u00c2\u00c3][\u0080-\u00bf]|\u00e2[\u0080-\u00bf\u20ac\u201a-\u2122][\u0080-\u00bf\u0152-\u2122]?"


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded text file: its path, lines (1-based line ``n`` is ``lines[n - 1]``) and notes."""

    path: str
    lines: tuple[str, ...]
    encoding: str
    notes: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:
        return Path(self.path).suffix.lower()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def head(self, count: int = 60) -> tuple[str, ...]:
        """The first ``count`` non-blank lines, stripped and cut to ``SNIFF_CHARS``, for format
        sniffing."""
        found: list[str] = []
        for line in self.lines:
            stripped = line.strip()
            if stripped:
                found.append(stripped[:SNIFF_CHARS])
                if len(found) >= count:
                    break
        return tuple(found)

    @classmethod
    def from_text(cls, text: str, *, path: str = "<text>") -> "Source":
        """A source from a string (tests, pasted text): same line splitting and checks."""
        return _from_decoded(text, path=path, encoding="utf-8", notes=())


def read_bytes(path: str | Path) -> bytes:
    """The bytes of ``path`` after the size check; one-line errors for missing or odd paths."""
    file = Path(path)
    if not file.exists():
        raise NotATranscriptError("no such file", path=file, hint="check the path")
    if file.is_dir():
        raise NotATranscriptError("is a folder, not a file", path=file,
                                  hint="give the transcript files, or use a glob such as DIR/*.vtt")
    size = file.stat().st_size
    if size > MAX_BYTES:
        raise FileTooLargeError(
            f"is {size / 2**20:.0f} MiB, more than the {MAX_BYTES // 2**20} MiB a transcript can be",
            path=file, hint="split it, or check that it is really a transcript")
    try:
        return file.read_bytes()
    except OSError as error:
        raise NotATranscriptError(f"cannot be read ({error.strerror})", path=file,
                                  hint="check its permissions") from None


def sniff_binary(data: bytes, path: str | Path) -> str | None:
    """Return 'zip' for zip containers, raise for other binary data, None for text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise NotATranscriptError(f"is {what}, not a transcript", path=path,
                                      hint="export the transcript as .vtt, .txt or .docx")
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    return None


def decode(data: bytes, *, path: str | Path) -> Source:
    """Decode ``data`` (already known not to be a zip) into a ``Source``."""
    path = str(path)
    if not data.strip():
        raise EmptyFileError("is empty", path=path, hint="export the transcript again")
    notes: list[str] = []
    text, encoding = _decode_text(data, path)
    if encoding not in ("utf-8", "utf-8-sig", "ascii"):
        notes.append(f"Read as {encoding}.")
    return _from_decoded(text, path=path, encoding=encoding, notes=tuple(notes))


def _decode_text(data: bytes, path: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path), "utf-16"
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM puts a NUL beside every ASCII character; anything else with NULs
        # is binary.
        sample = data[:4096]
        if sample[1::2].count(0) > len(sample) // 4:
            return _strict(data, "utf-16-le", path), "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4:
            return _strict(data, "utf-16-be", path), "utf-16-be"
        raise NotATranscriptError("is binary data, not text", path=path,
                                  hint="give a transcript exported as text (.vtt, .txt, .srt, .json) or .docx")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        bad_line = data.count(b"\n", 0, utf8_error.start) + 1
        raise DecodeError(
            f"is not UTF-8 text (byte 0x{data[utf8_error.start]:02x}) nor in a Windows code page",
            path=path, line=bad_line, hint="re-save it as UTF-8") from None
    return text, "cp1252"


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DecodeError(f"is not valid {encoding} text at byte {error.start}", path=path,
                          hint="re-save it as UTF-8") from None


def _from_decoded(text: str, *, path: str, encoding: str, notes: tuple[str, ...]) -> Source:
    if text.startswith("\ufeff"):
        text = text[1:]
    # Split where editors do (CRLF, CR, LF); str.splitlines would also split on \f, \x1c,
    # U+2028... and shift the line numbers we report.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    control = len(_CONTROL.findall(text, 0, 8192))
    if control > max(8, len(text[:8192]) // 50):
        raise NotATranscriptError("is binary data, not text", path=path,
                                  hint="give a transcript exported as text (.vtt, .txt, .srt, .json) or .docx")
    if not any(line.strip() for line in lines):
        raise EmptyFileError("holds only blank lines", path=path, hint="export the transcript again")
    repaired = _repair_mojibake(lines)
    if repaired:
        notes = notes + (f"Repaired broken characters (mojibake) on {repaired} line(s) with ftfy.",)
    return Source(path=path, lines=tuple(lines), encoding=encoding, notes=notes)


def _repair_mojibake(lines: list[str]) -> int:
    """Fix lines that show UTF-8 read as cp1252, in place; ftfy is imported only if needed."""
    text = "\n".join(lines)
    if text.isascii() or not re.search(_MOJIBAKE, text):
        return 0
    pattern = re.compile(_MOJIBAKE)
    broken = [index for index, line in enumerate(lines) if pattern.search(line)]
    import ftfy  # 50 ms to import: only for files that need it

    repaired = 0
    for index in broken:
        fixed = ftfy.fix_encoding(lines[index])
        if fixed != lines[index] and "\n" not in fixed:
            lines[index] = fixed
            repaired += 1
    return repaired
