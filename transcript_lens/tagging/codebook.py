"""The codebook passages are tagged against: loading, checking and describing it.

A codebook is YAML with two groups of codes — ``values`` (multi-label) and ``spectrum`` (single
label, each with a ``mode``) — and a list of ``none`` statements (talk that gets no label). Each
code has an ``id``, ``label``, ``definition``, ``examples`` (statements compared by embedding)
and optional ``keywords`` (base-form phrases matched with spaCy's PhraseMatcher, in their common
inflections) and ``sources``.
The default is ``models/codebook.yaml`` (the five values and the spectrum of engagement); users
bring their own with ``--codebook FILE``, checked by ``transcript-lens codebook check FILE``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ..errors import OptionError

GROUPS = ("values", "spectrum")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    group: str
    label: str
    definition: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    mode: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Codebook:
    name: str
    source: str
    codes: tuple[Code, ...]
    none: tuple[str, ...]
    digest: str

    def group(self, name: str) -> tuple[Code, ...]:
        return tuple(code for code in self.codes if code.group == name)

    @property
    def values(self) -> tuple[Code, ...]:
        return self.group("values")

    @property
    def spectrum(self) -> tuple[Code, ...]:
        return self.group("spectrum")


def default_codebook_path() -> Path:
    return Path(str(files("transcript_lens.models") / "codebook.yaml"))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and check a codebook; every problem is an ``OptionError`` naming the file and line."""
    import yaml

    file = Path(path) if path is not None else default_codebook_path()
    if not file.is_file():
        raise OptionError("codebook not found", path=file, hint="give a YAML codebook, see `transcript-lens codebook show`")
    text = file.read_text(encoding="utf-8-sig")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise OptionError(f"is not valid YAML ({getattr(error, 'problem', 'syntax error')})", path=file,
                          line=mark.line + 1 if mark else None, hint="fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise OptionError("must be a YAML mapping with 'values' and/or 'spectrum' lists", path=file, line=1,
                          hint="see `transcript-lens codebook show` for the shape")
    codes: list[Code] = []
    seen: set[str] = set()
    for group in GROUPS:
        entries = data.get(group) or []
        if not isinstance(entries, list):
            raise OptionError(f"'{group}' must be a list of codes", path=file, line=_line_of(text, f"{group}:"),
                              hint="write each code as a '- id: ...' item")
        for position, entry in enumerate(entries, start=1):
            codes.append(_code(entry, group, position, file, text, seen))
    if not codes:
        raise OptionError("has no codes under 'values' or 'spectrum'", path=file, line=1,
                          hint="add at least one code with an id, a label and examples")
    none = data.get("none") or []
    if not isinstance(none, list) or not all(isinstance(item, str) for item in none):
        raise OptionError("'none' must be a list of statements", path=file, line=_line_of(text, "none:"),
                          hint="list talk that should get no label (logistics, introductions)")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return Codebook(name=str(data.get("name") or file.stem), source=str(file), codes=tuple(codes),
                    none=tuple(none), digest=digest)


def _code(entry: object, group: str, position: int, file: Path, text: str, seen: set[str]) -> Code:
    where = f"{group} item {position}"
    if not isinstance(entry, dict):
        raise OptionError(f"{where} is not a mapping", path=file, hint="write 'id:', 'label:', 'examples:' keys")
    code_id = str(entry.get("id") or "").strip()
    line = _line_of(text, f"id: {code_id}") if code_id else None
    if not code_id or not set(code_id) <= _ID_CHARS:
        raise OptionError(f"{where} needs an 'id' of lower-case letters, digits, '_' or '-'", path=file, line=line,
                          hint="e.g. id: relationships")
    if code_id in seen:
        raise OptionError(f"the id {code_id!r} is used twice", path=file, line=line, hint="give every code its own id")
    seen.add(code_id)
    examples = entry.get("examples") or []
    if not isinstance(examples, list) or not examples or not all(isinstance(e, str) and e.strip() for e in examples):
        raise OptionError(f"code {code_id!r} needs 'examples': a list of statements", path=file, line=line,
                          hint="write a few sentences of how people talk about it")
    keywords = entry.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise OptionError(f"code {code_id!r}: 'keywords' must be a list of phrases", path=file, line=line,
                          hint="write key phrases as a YAML list")
    mode = entry.get("mode")
    if group == "spectrum" and not mode:
        raise OptionError(f"spectrum code {code_id!r} needs a 'mode' (e.g. doing to / doing for / doing with)",
                          path=file, line=line, hint="add mode: doing with")
    return Code(id=code_id, group=group, label=str(entry.get("label") or code_id),
                definition=str(entry.get("definition") or ""), examples=tuple(e.strip() for e in examples),
                keywords=tuple(k.strip().lower() for k in keywords if k.strip()),
                mode=str(mode) if mode else None, sources=tuple(str(s) for s in entry.get("sources") or ()))


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def load_asr_corrections(path: str | Path | None = None) -> dict[str, str]:
    """Mis-heard phrase -> what was said, from ``models/asr_corrections.yaml`` (or ``path``)."""
    import yaml

    file = Path(path) if path is not None else Path(str(files("transcript_lens.models") / "asr_corrections.yaml"))
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise OptionError("must map mis-heard phrases to corrections", path=file, line=1,
                          hint="write 'code production: co-production' lines")
    return {str(key).lower(): str(value) for key, value in data.items()}
