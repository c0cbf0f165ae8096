"""Pseudonymisation: names out of everything that leaves the user's hands, consistently.

People become stable pseudonyms by role — ``Facilitator``, ``Host``, ``Participant 01`` … — and
the same person keeps the same pseudonym across the sessions of a programme when the key is
reused (``--key KEY.csv``; ``--key-out`` writes it, never inside a report or database). In the
text, these are replaced: every speaker's name, its parts (first and last names, as written in
title case) and its other spellings (raw labels such as ``Gray, Alex (Guest)``, names speaker
inference heard such as "Ketchin" for Catrin), roster names, and the PERSON entities spaCy's
pipeline finds (``[name]``); e-mail addresses, phone numbers and @handles are masked.
Organisation and place names stay unless ``places`` is asked for (``[organisation]``,
``[place]``). It does not remove what a person says about themselves (a job, a town, a story)
that could still identify them: see the README.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import OptionError
from .model import UNATTRIBUTED, Transcript

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ().-]{7,}\d(?![\w])")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z_][\w.]{1,30}")
_PLACE_LABELS = {"GPE": "[place]", "LOC": "[place]", "FAC": "[place]", "ORG": "[organisation]"}
_BASES = {"facilitator": "Facilitator", "host": "Host"}
_PSEUDONYM_WORDS = {"Facilitator", "Host", "Participant"}


def load_key(path: str | Path) -> dict[str, str]:
    """``name -> pseudonym`` from a key CSV (``pseudonym,name`` rows); one-line errors name the row."""
    file = Path(path)
    if not file.is_file():
        raise OptionError("key file not found", path=file, hint="give the CSV that --key-out wrote")
    reader = csv.DictReader(io.StringIO(file.read_text(encoding="utf-8-sig")))
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    if "pseudonym" not in columns or "name" not in columns:
        raise OptionError("needs the columns 'pseudonym' and 'name'", path=file, line=1,
                          hint="give the CSV that --key-out wrote")
    key: dict[str, str] = {}
    taken: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        pseudonym = (row.get(columns["pseudonym"]) or "").strip()
        name = (row.get(columns["name"]) or "").strip()
        if not pseudonym or not name:
            raise OptionError("a row needs both a pseudonym and a name", path=file, line=row_number,
                              hint="fill both columns or delete the row")
        if pseudonym in taken:
            raise OptionError(f"the pseudonym {pseudonym!r} is given twice (rows {taken[pseudonym]} and {row_number})",
                              path=file, line=row_number, hint="give every person their own pseudonym")
        if name in key and key[name] != pseudonym:
            raise OptionError(f"{name!r} has two pseudonyms", path=file, line=row_number,
                              hint="keep one pseudonym per person")
        key[name] = pseudonym
        taken[pseudonym] = row_number
    return key


class Pseudonymiser:
    """Holds the key (growing as new people appear) and masks transcripts."""

    def __init__(self, *, key: Mapping[str, str] | None = None, places: bool = False, nlp: Any = None) -> None:
        self.key: dict[str, str] = dict(key or {})
        self.places = places
        self.nlp = nlp  # a spaCy pipeline with NER, or a LazyPipeline; None: names we know only

    def pseudonym(self, name: str, role: str) -> str:
        if name in self.key:
            return self.key[name]
        base = _BASES.get(role, "Participant")
        used = set(self.key.values())
        number = 1
        while True:
            candidate = (base if number == 1 else f"{base} {number}") if base != "Participant" else f"{base} {number:02d}"
            if candidate not in used:
                break
            number += 1
        self.key[name] = candidate
        return candidate

    def apply(self, transcript: Transcript, people: Sequence[tuple[str, str, Sequence[str]]],
              roster: Sequence[str], variants: Iterable[tuple[str, str]] = ()) -> tuple[Transcript, list[str]]:
        """The transcript with speakers and names in the text replaced, and the roster's pseudonyms.

        ``people`` are ``(name, role, raw labels)`` in the order they get numbers."""
        labels: dict[str, str] = {UNATTRIBUTED: UNATTRIBUTED}
        forms: dict[str, str] = {}
        for name, role, raw_labels in people:
            pseudonym = self.pseudonym(name, role)
            for label in (name, *raw_labels):
                labels[label] = pseudonym
                forms[label] = pseudonym
            for part in re.split(r"[\s,]+", name):
                if len(part) >= 3 and part[0].isupper():
                    forms.setdefault(part, pseudonym)
        roster_pseudonyms = []
        for name in roster:
            pseudonym = self.key.get(name) or self.pseudonym(name, "participant")
            roster_pseudonyms.append(pseudonym)
            forms.setdefault(name, pseudonym)
            for part in name.split():
                if len(part) >= 3 and part[0].isupper():
                    forms.setdefault(part, pseudonym)
        for heard, name in variants:
            if name in self.key and len(heard) >= 3:
                forms.setdefault(heard.title(), self.key[name])
        masker = _name_pattern(forms)
        texts = [self._mask_known(cue.text, masker, forms) for cue in transcript.cues]
        texts = self._mask_entities(texts, set(self.key.values()))
        cues = tuple(replace(cue, speaker=labels.get(cue.speaker, cue.speaker), text=text)
                     for cue, text in zip(transcript.cues, texts))
        title = self._mask_known(transcript.title, masker, forms) if transcript.title else transcript.title
        attendees = tuple(self.key.get(name, self.pseudonym(name, "participant")) for name in transcript.attendees)
        note = "Names were replaced by pseudonyms; e-mail addresses, phone numbers and @handles were masked."
        return (replace(transcript, cues=cues, title=title, attendees=attendees, notes=transcript.notes + (note,)),
                roster_pseudonyms)

    def _mask_known(self, text: str, masker: re.Pattern | None, forms: Mapping[str, str]) -> str:
        text = _EMAIL.sub("[email]", text)
        text = _PHONE.sub("[phone]", text)
        text = _HANDLE.sub("[handle]", text)
        if masker is None:
            return text
        lowered = {form.casefold(): value for form, value in forms.items() if " " in form or "," in form}
        return masker.sub(lambda match: forms.get(match.group(0)) or lowered.get(match.group(0).casefold(), "[name]"),
                          text)

    def _mask_entities(self, texts: list[str], pseudonyms: set[str]) -> list[str]:
        if self.nlp is None:
            return texts
        from .nlp import LazyPipeline

        nlp = self.nlp.get() if isinstance(self.nlp, LazyPipeline) else self.nlp
        if not nlp.has_pipe("ner"):
            return texts
        from .attribution_patterns import NOT_NAMES

        masked = []
        found: set[str] = set()  # names found somewhere are masked everywhere ("Noreen's" too)
        for text, doc in zip(texts, nlp.pipe(texts, batch_size=256)):
            spans = []
            for entity in doc.ents:
                label = "[name]" if entity.label_ == "PERSON" else (_PLACE_LABELS.get(entity.label_) if self.places else None)
                if label is None or entity.text.startswith("[") or any(
                        p in entity.text or entity.text in p for p in pseudonyms):
                    continue
                spans.append((entity.start_char, entity.end_char, label))
                if label == "[name]":
                    found.update(word for word in entity.text.split() if word[:1].isupper() and len(word) > 2)
            # The small model misses names it has not seen ("my colleague Noreen"): a capitalised
            # proper noun inside a sentence, outside any other kind of entity, is taken for a name.
            for token in doc:
                if token.pos_ == "PROPN" and token.is_title and token.ent_type_ in ("", "PERSON") \
                        and token.i > 0 and doc[token.i - 1].text not in ".!?" \
                        and token.lower_ not in NOT_NAMES and token.text not in _PSEUDONYM_WORDS \
                        and not any(start <= token.idx < end for start, end, _ in spans):
                    spans.append((token.idx, token.idx + len(token.text), "[name]"))
                    found.add(token.text)
            pieces, cursor = [], 0
            for start, end, label in sorted(spans):
                if start < cursor:
                    continue
                pieces.append(text[cursor:start])
                pieces.append(label)
                cursor = end
            pieces.append(text[cursor:])
            masked.append("".join(pieces))
        found -= _PSEUDONYM_WORDS
        if found:
            again = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(word) for word in sorted(found, key=len, reverse=True))
                               + r")(?!\w)")
            masked = [again.sub("[name]", text) for text in masked]
        return masked

    def write_key(self, path: str | Path) -> None:
        """The key, ``pseudonym,name`` per row, written whole (temporary file, then rename)."""
        import os
        import tempfile

        target = Path(path)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["pseudonym", "name"])
        for name, pseudonym in sorted(self.key.items(), key=lambda item: (_order(item[1]), item[1])):
            writer.writerow([pseudonym, name])
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=str(target.parent or "."))
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(buffer.getvalue())
            os.replace(temporary, target)
        except OSError as error:
            raise OptionError(f"cannot write the key ({error.strerror})", path=target,
                              hint="check the folder exists and you may write there") from None


def _order(pseudonym: str) -> int:
    return 0 if pseudonym.startswith("Facilitator") else 1 if pseudonym.startswith("Host") else 2


def _name_pattern(forms: Mapping[str, str]) -> re.Pattern | None:
    """One pattern over every known form, longest first. Single words match as written (title
    case or capitals: "Will" the person, not "will" the verb); multi-word names in any case."""
    if not forms:
        return None
    parts = []
    for form in sorted(forms, key=len, reverse=True):
        escaped = re.escape(form)
        if " " in form or "," in form:
            parts.append(f"(?i:{escaped})")
        else:
            parts.append(escaped)
            if form.upper() != form:
                parts.append(re.escape(form.upper()))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
