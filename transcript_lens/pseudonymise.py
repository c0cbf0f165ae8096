"""Pseudonymisation: names out of everything that leaves the user's hands, figures untouched.

It runs once every figure is measured (``Pseudonymiser.anonymise``): nothing is measured again,
so ``--anonymise`` changes no share, count or tag. People become stable pseudonyms by role —
``Facilitator``, ``Host``, ``Participant 01`` … — and keep them across the sessions of a programme
when the key is reused (``--key KEY.csv``; ``--key-out`` writes it, never inside a report or
database). A roster entry or chat author who is a speaker ("Jane Doe (Acme)" for "Jane Doe") gets
that speaker's pseudonym; one who never spoke gets their own.

In the text, every name the inputs give — speakers and their raw labels, roster entries, the
file's own attendee list, chat authors, ``--names``, ``--facilitator``/``--role`` and alias names,
the spellings speaker inference heard — is masked wherever it stands, whole or by its parts, in
any case ("Jane", "jane", "JANE DOE", "Jane's"); a part that is also a common English word
("Will", "Grace", "Price") only where written with a capital, and parts of one letter never. Then
the PERSON entities of spaCy's pipeline, and capitalised proper nouns inside a sentence, become
``[name]`` and are masked everywhere else too. E-mail addresses, phone numbers and @handles are
masked; organisations and places only with ``places``. Every replacement has as many words as what
it replaces ("Bob" -> "Participant-01", "Mike Smith" -> "Facilitator …"), so no count of words
changes. What a person says about themselves (a job, a town, a story) stays: see the README.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from .csvsafe import neutralise, restored_rows
from .errors import OptionError, quoted
from .model import UNATTRIBUTED
from .writing import is_letter_or_mark

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ().-]{7,}\d(?![\w])")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z_][\w.]{1,30}")
_AFFILIATION = re.compile(r"(?:\s*\([^()]*\))+\s*$|\s+\|.*$")
_WORD_BREAK = re.compile(r"[\s,;:|/()\[\]{}<>@]+")
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
    for row_number, row in enumerate(restored_rows(reader), start=2):
        pseudonym = (row.get(columns["pseudonym"]) or "").strip()
        name = (row.get(columns["name"]) or "").strip()
        if not pseudonym or not name:
            raise OptionError("a row needs both a pseudonym and a name", path=file, line=row_number,
                              hint="fill both columns or delete the row")
        if pseudonym in taken:
            raise OptionError(f"the pseudonym {pseudonym!r} is given twice (rows {taken[pseudonym]} and {row_number})",
                              path=file, line=row_number, hint="give every person their own pseudonym")
        if name in key and key[name] != pseudonym:
            raise OptionError(f"{quoted(name)} has two pseudonyms", path=file, line=row_number,
                              hint="keep one pseudonym per person")
        key[name] = pseudonym
        taken[pseudonym] = row_number
    return key


class Pseudonymiser:
    """Holds the key (growing as new people appear) and pseudonymises finished analyses."""

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

    def anonymise(self, analysis: Any, *, chat: Any = None) -> tuple[Any, Any]:
        """The analysis (and the session's chat) with every name replaced: the same figures —
        nothing is measured again — under pseudonyms, and the texts masked word for word."""
        from .analysis import Analysis
        from .speakers import Cast, attendee_matcher, clean_name, name_key

        order = {"facilitator": 0, "host": 1, "participant": 2}
        people = sorted((s for s in analysis.cast.speakers if s.role != "unattributed"),
                        key=lambda s: order.get(s.role, 3))
        names = {UNATTRIBUTED: UNATTRIBUTED}
        known = _Names()
        for speaker in people:
            pseudonym = self.pseudonym(speaker.name, speaker.role)
            names[speaker.name] = pseudonym
            for form in (speaker.name, *speaker.aliases, *(clean_name(raw).display for raw in speaker.aliases)):
                known.add(form, pseudonym)
        for raw, name in analysis.cast.labels.items():
            if name in names:
                known.add(raw, names[name])
        for heard, name in analysis.name_variants:
            known.add(heard, names.get(name, "[name]"))
        # A roster entry is its speaker by the rule that counts silent attendees; a chat author
        # by the rule the report's chat table uses (the same name): so no figure moves.
        match = attendee_matcher(s.name for s in people)
        by_key = {name_key(s.name): s.name for s in people}
        senders = [m.sender for m in chat.messages] if chat is not None else []
        entries = [(entry, match(entry)) for entry in (*analysis.roster, *analysis.transcript.attendees)]
        entries += [(sender, by_key.get(name_key(sender))) for sender in senders]
        for entry, speaker in entries:
            display = clean_name(entry).display
            if not name_key(display):
                continue  # "(Host)" alone names nobody
            pseudonym = names[speaker] if speaker is not None else names.get(display) or self.pseudonym(
                display, "participant")
            names.setdefault(display, pseudonym)
            names.setdefault(entry, pseudonym)
            known.add(entry, pseudonym)
            known.add(display, pseudonym)
        # A label that is no person ("Audio shared by Ana Lima") still names its owner: the owner
        # gets their speaker's pseudonym (or one of their own) and the label is written with it.
        for other in analysis.cast.others:
            if other.owner is None or not name_key(other.owner):
                continue
            speaker = match(other.owner)
            pseudonym = names[speaker] if speaker is not None else names.get(
                clean_name(other.owner).display) or self.pseudonym(clean_name(other.owner).display, "participant")
            names.setdefault(clean_name(other.owner).display, pseudonym)
            known.add(other.owner, pseudonym)
            known.add(clean_name(other.owner).display, pseudonym)
            names[other.label] = other.label.replace(other.owner, pseudonym)
        for name in analysis.names:  # --names, --facilitator, --role, aliases: not necessarily present
            speaker = match(name)
            known.add(name, names[speaker] if speaker is not None else "[name]")

        cues = analysis.cues
        texts = list(dict.fromkeys([*(c.text for c in analysis.transcript.cues), *(c.text for c in cues),
                                    *(m.text for m in (chat.messages if chat is not None else ()))]))
        masker = known.masker()
        first = [self._mask_known(text, masker) for text in texts]
        found = self._mask_entities(first, set(names.values()))
        masked = dict(zip(texts, found.texts))
        masker = known.masker(extra=found.names)
        masked = {text: masker.mask(value) for text, value in masked.items()}

        def text_of(value: str) -> str:
            return masked[value] if value in masked else masker.mask(self._mask_contacts(value))

        def name_of(value: str) -> str:
            return names.get(value) or names.get(analysis.cast.labels.get(value, ""), "[name]")

        def other_of(value: str) -> str:  # a bot's product name stays; an owner's name does not
            return names.get(value) or masker.mask(value)

        transcript = analysis.transcript
        others = {other.label for other in analysis.cast.others}
        note = "Names were replaced by pseudonyms; e-mail addresses, phone numbers and @handles were masked."
        transcript = replace(
            transcript,
            cues=tuple(replace(c, speaker=other_of(c.speaker) if c.speaker in others else name_of(c.speaker),
                               text=text_of(c.text)) for c in transcript.cues),
            title=text_of(transcript.title) if transcript.title else transcript.title,
            attendees=tuple(names[a] for a in transcript.attendees if a in names),
            notes=tuple(text_of(n) for n in transcript.notes) + (note,))
        new_cues = tuple(replace(c, speaker=name_of(c.speaker), text=text_of(c.text)) for c in cues)
        # Turns partition the cues in order (turns.py): a turn's text is its cues' masked texts.
        partitioned = sum(turn.cues for turn in analysis.turns) == len(cues)
        turns = []
        position = 0
        for turn in analysis.turns:
            members = new_cues[position:position + turn.cues]
            position += turn.cues
            text = " ".join(c.text for c in members) if partitioned else text_of(turn.text)
            turns.append(replace(turn, speaker=name_of(turn.speaker), text=text))
        cast = Cast(speakers=tuple(replace(s, name=name_of(s.name), aliases=()) for s in analysis.cast.speakers),
                    labels={name_of(s.name): name_of(s.name) for s in analysis.cast.speakers},
                    facilitator_guess=analysis.cast.facilitator_guess,
                    others=tuple(other._replace(label=other_of(other.label),
                                                owner=None if other.owner is None else names.get(
                                                    clean_name(other.owner).display, "[name]"))
                                 for other in analysis.cast.others))
        airtime = analysis.airtime
        session = replace(airtime.session, facilitators=tuple(name_of(n) for n in airtime.session.facilitators),
                          silent_attendees=tuple(names.get(n) or self.pseudonym(n, "participant")
                                                 for n in airtime.session.silent_attendees))
        airtime = replace(airtime, speakers=tuple(replace(row, name=name_of(row.name)) for row in airtime.speakers),
                          others=tuple(replace(other, name=other_of(other.name), owner=None if other.owner is None
                                               else names.get(clean_name(other.owner).display, "[name]"))
                                       for other in airtime.others),
                          session=session, notes=tuple(text_of(n) for n in airtime.notes) + (note,))
        result = Analysis(transcript=transcript, cast=cast, cues=new_cues, turns=tuple(turns), airtime=airtime)
        if chat is not None:
            chat = replace(chat, messages=tuple(
                replace(m, sender=names.get(m.sender, "[name]"), text=text_of(m.text),
                        recipient=None if m.recipient is None else names.get(m.recipient, "[name]"))
                for m in chat.messages))
        return result, chat

    @staticmethod
    def _mask_contacts(text: str) -> str:
        text = _EMAIL.sub(lambda m: _fit("[email]", m.group(0)), text)
        text = _PHONE.sub(lambda m: _fit("[phone]", m.group(0)), text)
        return _HANDLE.sub(lambda m: _fit("[handle]", m.group(0)), text)

    def _mask_known(self, text: str, masker: _Masker) -> str:
        return masker.mask(self._mask_contacts(text))

    def _mask_entities(self, texts: list[str], pseudonyms: set[str]) -> _Found:
        if self.nlp is None:
            return _Found(texts, frozenset())
        from .nlp import LazyPipeline, pipe

        nlp = self.nlp.get() if isinstance(self.nlp, LazyPipeline) else self.nlp
        if not nlp.has_pipe("ner"):
            return _Found(texts, frozenset())
        from .attribution_patterns import NOT_NAMES

        # Pseudonyms as they stand in the text ("Participant-01" where one word was replaced).
        written = pseudonyms | {p.replace(" ", "-") for p in pseudonyms}
        masked = []
        found: set[str] = set()  # names found somewhere are masked everywhere ("Noreen's" too)
        # nlp.pipe's any-length path: a caption line of a million characters (E088), long runs read fast.
        for text, doc in zip(texts, pipe(nlp, texts, batch_size=256)):
            spans = []
            for entity in doc.ents:
                label = "[name]" if entity.label_ == "PERSON" else (_PLACE_LABELS.get(entity.label_) if self.places else None)
                if label is None or entity.text.startswith("[") or entity.text.startswith("…") or any(
                        p in entity.text or entity.text in p for p in written):
                    continue
                spans.append((entity.start_char, entity.end_char, label))
                if label == "[name]":
                    found.update(word for word in entity.text.split() if word[:1].isupper() and len(word) > 2)
            # The small model misses names it has not seen ("my colleague Noreen"): a capitalised
            # proper noun inside a sentence, outside any other kind of entity, is taken for a name.
            for token in doc:
                if token.pos_ == "PROPN" and token.is_title and token.ent_type_ in ("", "PERSON") \
                        and token.i > 0 and doc[token.i - 1].text not in ".!?" \
                        and token.lower_ not in NOT_NAMES and not _is_pseudonym(token.text, written) \
                        and not any(start <= token.idx < end for start, end, _ in spans):
                    spans.append((token.idx, token.idx + len(token.text), "[name]"))
                    found.add(token.text)
            pieces, cursor = [], 0
            for start, end, label in sorted(spans):
                if start < cursor:
                    continue
                pieces.append(text[cursor:start])
                pieces.append(_fit(label, text[start:end]))
                cursor = end
            pieces.append(text[cursor:])
            masked.append("".join(pieces))
        found = {word.strip(".,;:!?'’") for word in found}
        return _Found(masked, frozenset(word for word in found if word and not _is_pseudonym(word, written)))

    def write_key(self, path: str | Path) -> None:
        """The key, ``pseudonym,name`` per row, written whole (temporary file, then rename)."""
        import os
        import tempfile

        target = Path(path)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["pseudonym", "name"])
        for name, pseudonym in sorted(self.key.items(), key=lambda item: (_order(item[1]), item[1])):
            writer.writerow([neutralise(pseudonym), neutralise(name)])
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


#: English words that are also given names or surnames. Such a name part is masked where it is
#: written with a capital ("Will", "WILL") and left where it is lower case ("will"): masking every
#: "will" and "may" would destroy the text. Every other part is masked in any case.
_COMMON_WORDS = frozenset("""
    will may mark bill rose grace hope faith joy frank pat guy jack ray dawn summer april june august
    max art drew chase page lane stone young brown white green black long hall bell field price ward
    wood king cook baker rice fox bird love sky star sunny penny amber ivy holly heather lily daisy
    hazel olive sage river brook cliff forest heath miles mason cash chance honor noble major read
    bishop porter walker turner fisher shepherd smith butler cooper miller hill moss marsh ash birch
    law rich strong short sharp best gold silver bright light day knight north south west east little
    small wise good early bond booth bush cross dean fair ford head hunt lord man norm pain peace rain
    spring storm wolf worth van kit sue rob don hay rod can stream minor chip credit
""".split())

#: Words of speaker labels that are not names: "Speaker 3", "Guest", "iPhone", "(Host)".
_LABEL_WORDS = frozenset("""
    speaker unknown guest host cohost co participant facilitator presenter panelist panellist attendee
    organiser organizer interpreter moderator caller user admin room meeting zoom teams iphone ipad
    android galaxy pixel macbook laptop pc computer phone tablet desktop chromebook pro air mac
    surface unattributed external unverified he him she her they them audio video screen share
""".split())


def _is_pseudonym(text: str, written: set[str]) -> bool:
    """A pseudonym as it stands in masked text ("Participant-01", "Facilitator's")."""
    return text.split("-")[0].strip(".,;:!?'’s") in _PSEUDONYM_WORDS or any(p in text for p in written)


def _fit(label: str, span: str) -> str:
    """``label`` written as exactly as many words as ``span``: masking never changes a count of
    words ("Bob" -> "Participant-01", "Mike Smith" -> "Facilitator …")."""
    want = max(1, len(span.split()))
    words = label.split()
    if len(words) > want:
        words = words[:want - 1] + ["-".join(words[want - 1:])]
    return " ".join(words + ["…"] * (want - len(words)))


class _Found(NamedTuple):
    texts: list[str]
    names: frozenset[str]


class _Masker(NamedTuple):
    pattern: re.Pattern | None
    replacements: Mapping[str, str]  # a form's key (casefolded, one space) -> its pseudonym

    def mask(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda m: _fit(self.replacements.get(_form_key(m.group(0)), "[name]"), m.group(0)),
                                text)


def _form_key(form: str) -> str:
    return " ".join(form.split()).casefold()


class _Names:
    """Every name known for a session, each with what replaces it (a pseudonym, or ``[name]``
    when two people share it), and each part of it ("Jane", "Doe") as well as the whole."""

    def __init__(self) -> None:
        self.replacements: dict[str, str] = {}
        self.forms: dict[str, str] = {}  # key -> the form as first written

    def add(self, name: str, replacement: str) -> None:
        name = " ".join(name.split())
        if not name or name == UNATTRIBUTED:
            return
        # "Jane Doe (Acme)", "Lumi | Offchain Labs": the organisation is no part of the name.
        base = _AFFILIATION.sub("", name) or name
        words = [word.strip(".'’\"!?-") for word in _WORD_BREAK.split(base)]
        # Not "4all", "+44", "Speaker 3"'s 3; a Tamil or Devanagari name may open with a vowel sign.
        parts = [word for word in words if word and is_letter_or_mark(word[0])]
        if any(part[:1].isupper() for part in parts):
            # In a written name the lower-case words are particles or Zoom's ("Audio shared by
            # Marco De Rossi", "Jan van Dijk"); an all-lower-case label ("nick") is all name.
            parts = [part for part in parts if not part[:1].islower()]
        candidates = [name] if len(parts) > 1 or all(map(is_letter_or_mark, name)) else []
        for part in parts:
            pieces = [piece for piece in re.split(r"[-.]", part) if piece and is_letter_or_mark(piece[0])]
            candidates += [part, *pieces] if len(pieces) > 1 else [part]  # "Mary-Jane", "jane.doe"
        for form in candidates:
            letters = sum(map(is_letter_or_mark, form))
            if letters < 2 or _form_key(form) in _LABEL_WORDS:
                continue
            key = _form_key(form)
            known = self.replacements.get(key)
            self.replacements[key] = replacement if known in (None, replacement) else "[name]"
            self.forms.setdefault(key, form)

    def masker(self, *, extra: Iterable[str] = ()) -> _Masker:
        replacements = dict(self.replacements)
        forms = dict(self.forms)
        for word in extra:
            if sum(ch.isalpha() for ch in word) >= 2 and _form_key(word) not in _LABEL_WORDS:
                replacements.setdefault(_form_key(word), "[name]")
                forms.setdefault(_form_key(word), word)
        if not forms:
            return _Masker(None, {})
        parts = []
        for key, form in sorted(forms.items(), key=lambda item: len(item[0]), reverse=True):
            words = form.split()
            if len(words) > 1:
                parts.append("(?i:" + r"\s+".join(re.escape(word) for word in words) + ")")
            elif key in _COMMON_WORDS or len(key) <= 2:
                # A common word or a two-letter name only where it is written with a capital.
                spellings = {form, form[:1].upper() + form[1:].lower(), form.upper()}
                parts.extend(re.escape(spelling) for spelling in sorted(spellings) if spelling[:1].isupper())
            else:
                parts.append("(?i:" + re.escape(form) + ")")
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
        return _Masker(pattern, replacements)
