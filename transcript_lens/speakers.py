"""Who is who: display names normalised and merged into people, and people given roles.

Owns: cleaning display names (role markers such as ``(Host)``, ``Last, First``, device names
such as ``Ann’s iPad``, spacing and case), merging the variants of one person, applying a user's
alias file, assigning roles (``--facilitator``, ``--role``), guessing the facilitator when none is
given (and saying how), and matching a roster of attendees against the people who spoke.
It does not infer speakers for unnamed cues (that is a later stage) and never reads transcripts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import OptionError, quoted
from .model import POOLED_PARTICIPANTS, ROLES, UNATTRIBUTED, Speaker, Transcript
from .writing import is_letter_or_mark

if TYPE_CHECKING:
    from .nonpeople import NonPerson

# Parenthesised suffixes that describe a role or status in the meeting, not the person.
_ROLE_MARKERS = {
    "host": "host", "co-host": "host", "cohost": "host", "co host": "host",
    "guest": None, "external": None, "unverified": None, "organizer": "host", "organiser": "host",
    "he/him": None, "she/her": None, "they/them": None, "he/they": None, "she/they": None,
    "presenter": None, "panelist": None, "panellist": None, "attendee": None,
}
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
# Compiled on first use (names with "'s " are rare): start-up time counts on the airtime path.
_DEVICE = (
    r"^(?P<owner>.+?)['’]s\s+(?:(?:new|old|work)\s+)?(?:iPad|iPhone|Android|Galaxy\b.*|Pixel\b.*|"
    r"MacBook(?:\s+(?:Pro|Air))?|Mac|Laptop|PC|Computer|Surface\b.*|Phone|Tablet|Chromebook|Desktop)"
    r"(?:\s*\((?P<surname>.*)\))?$")
# A device named without its owner ("Galaxy S21", "iPhone", Zoom's "Ann Okafor (iPad Pro)"):
# it names no person, so it neither counts as a name of its own nor stays in the display.
_BARE_DEVICE = (
    r"^(?:(?:apple|samsung|google|microsoft)\s+)?(?:iPad|iPhone|Android|Galaxy|Pixel|MacBook|Surface|Chromebook)"
    r"(?:(?:\s+(?:pro|air|mini|max|plus|ultra|tab|note|go|laptop|book|fold|flip|fe|xl|se|\S*\d\S*))+"
    r"|\s+\(\d+\))?$")
_DEVICE_WORDS = ("ipad", "iphone", "android", "galaxy", "pixel", "macbook", "surface", "chromebook")
_LAST_FIRST = re.compile(r"^([^,]{2,40}),\s*([^,]{1,40})$")
_SPACES = re.compile(r"\s+")


class CleanName(NamedTuple):
    """A display name with its markers taken off: ``display`` to show, ``key`` to compare.

    A NamedTuple, not a dataclass: an internal record of the airtime path, cheap to define."""

    display: str
    key: str
    host: bool = False
    device: bool = False
    #: For a device, the label with only role markers taken off (``Ann’s iPad`` stays so): how
    #: an unmatched device is shown, rather than a name the label does not give.
    device_label: str = ""


def clean_name(raw: str) -> CleanName:
    """Normalise one display name as Zoom, Teams or Meet wrote it."""
    name = _SPACES.sub(" ", raw.replace("\u00a0", " ")).strip()
    host = False
    device = False
    while True:
        match = _PAREN.search(name)
        if match is None:
            break
        inside = match.group(1).strip()
        if inside.lower() not in _ROLE_MARKERS:
            if name[:match.start()].strip() and _bare_device(inside):
                device = True  # "Ann Okafor (Galaxy S21)": Zoom's original name was the device
                name = name[:match.start()].strip()
                continue
            break
        host = host or _ROLE_MARKERS[inside.lower()] == "host"
        name = name[:match.start()].strip()
    label = name
    if _bare_device(name):
        return CleanName(display=name, key=name_key(name), host=host, device=True, device_label=label)
    owner = re.match(_DEVICE, name, re.IGNORECASE) if "s " in name else None
    if owner is not None:
        name = owner.group("owner").strip()
        device = True
        # Zoom writes "Ann’s iPad (Okafor)": a lone word in the parenthesis is the owner's surname.
        surname = owner.group("surname")
        if surname and surname.isalpha() and surname[0].isupper() and not name.endswith(surname):
            name = f"{name} {surname}"
    last_first = _LAST_FIRST.match(name)
    if last_first is not None and not any(ch.isdigit() for ch in name):
        last, first = last_first.group(1).strip(), last_first.group(2).strip()
        if len(last.split()) <= 3 and len(first.split()) <= 3:
            name = f"{first} {last}"
    if name.isupper() and len(name) > 3 or name.islower() and " " in name:
        # ALL CAPS or all-lower full names read better title-cased; lone handles ("stokes") stay.
        name = name.title()
    return CleanName(display=name, key=name_key(name), host=host, device=device,
                     device_label=label if device else "")


def _bare_device(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _DEVICE_WORDS) and re.match(_BARE_DEVICE, name, re.IGNORECASE) is not None


def name_key(name: str) -> str:
    """The form two spellings of one name share: case, accents of spacing and a trailing
    parenthesis (``Ashlee Kupor (SL)`` = ``Ashlee Kupor``) do not count."""
    base = _PAREN.sub("", name).strip() or name
    if not base.isascii() and not all(char.isalpha() or char.isascii() for char in base):
        import unicodedata  # 0.3 ms: only for names holding marks or symbols outside ASCII

        base = unicodedata.normalize("NFC", base)  # José typed or pasted decomposed is José
    return _SPACES.sub(" ", re.sub(r"[^\w\s'’-]", _outside_key, base)).strip().casefold().replace("’", "'")


def _outside_key(match: re.Match) -> str:
    # A combining mark is part of its letter: Tamil and Devanagari vowel signs tell names apart
    # (अरुण is not अरूण), and a name of marks alone (ௌௌௌ) must not key to "".
    char = match.group(0)
    return char if not char.isascii() and is_letter_or_mark(char) else " "


@dataclass(frozen=True, slots=True)
class Cast:
    """The people of one session.

    ``labels`` maps every raw label in the transcript to a person's name. ``facilitator_guess``
    says how the facilitator was guessed; it is None when the user named the facilitator.
    """

    speakers: tuple[Speaker, ...]
    labels: Mapping[str, str]
    facilitator_guess: str | None = None
    #: Labels that name no person (shared audio, presentations, recorders), kept out of ``speakers``.
    others: tuple[NonPerson, ...] = ()

    def role_of(self, name: str) -> str:
        for speaker in self.speakers:
            if speaker.name == name:
                return speaker.role
        return "participant"

    @property
    def facilitators(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.speakers if s.role == "facilitator")


def load_aliases(path: str | Path) -> dict[str, str]:
    """Read an alias file: CSV rows ``variant,name`` (header optional) or YAML ``variant: name``
    (or ``name: [variant, ...]``)."""
    file = Path(path)
    if not file.is_file():
        raise OptionError("alias file not found", path=file, hint="give a CSV or YAML file of variant,name rows")
    text = file.read_text(encoding="utf-8-sig", errors="replace")
    if file.suffix.lower() in (".yaml", ".yml"):
        return _aliases_from_yaml(text, file)
    import csv  # only alias files need it: kept off the airtime start-up path

    aliases: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise OptionError(f"expected two columns 'variant,name', found {len(row)}", path=file,
                              line=number, hint="write one 'variant,name' pair per row")
        variant, name = row[0].strip(), row[1].strip()
        if number == 1 and variant.lower() in ("variant", "alias", "from") :
            continue
        _add_alias(aliases, variant, name, file, number)
    return aliases


def _aliases_from_yaml(text: str, file: Path) -> dict[str, str]:
    import yaml  # only alias files in YAML need it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise OptionError("is not valid YAML", path=file, line=mark.line + 1 if mark else None,
                          hint="write 'variant: name' lines") from None
    if not isinstance(data, dict):
        raise OptionError("must be a mapping of 'variant: name'", path=file, hint="write 'variant: name' lines")
    aliases: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, list):
            for variant in value:
                _add_alias(aliases, str(variant), str(key), file, None)
        elif isinstance(value, (str, int, float)):
            _add_alias(aliases, str(key), str(value), file, None)
        else:
            raise OptionError(f"the entry for {quoted(key)} is neither a name nor a list of variants", path=file,
                              hint="write 'variant: name' or 'name: [variant, ...]'")
    return aliases


def _add_alias(aliases: dict[str, str], variant: str, name: str, file: Path, line: int | None) -> None:
    key = name_key(variant)
    if key in aliases and aliases[key] != name:
        raise OptionError(f"{quoted(variant)} is mapped to both {quoted(aliases[key])} and {quoted(name)}", path=file,
                          line=line, hint="keep one name per variant")
    aliases[key] = name


def parse_roles(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=ROLE`` strings from ``--role`` into a mapping, checking the role."""
    roles: dict[str, str] = {}
    for pair in pairs:
        name, sep, role = pair.partition("=")
        role = role.strip().lower()
        if not sep or not name.strip() or role not in ROLES or role == "unattributed":
            allowed = ", ".join(r for r in ROLES if r != "unattributed")
            raise OptionError(f"--role {quoted(pair)} is not NAME=ROLE", hint=f"ROLE is one of: {allowed}")
        roles[name.strip()] = role
    return roles


def identify(transcript: Transcript, *, aliases: Mapping[str, str] | None = None,
             facilitators: Sequence[str] = (), roles: Mapping[str, str] | None = None,
             attendees: Sequence[str] = ()) -> Cast:
    """Merge the transcript's raw labels into people and give each a role.

    Labels that name no person (``nonpeople.py``: shared audio, presentations, recorders) are
    set apart in ``Cast.others`` unless an alias names them. A device label (``Ann’s iPhone``)
    joins its owner when one other speaker, or failing that one attendee of ``attendees``, has
    that first name; otherwise it keeps its own label rather than a name the file does not give.
    """
    from .nonpeople import classify

    aliases = aliases or {}
    roles = dict(roles or {})
    words: Counter[str] = Counter()
    for cue in transcript.cues:
        # Speaker turns without text (RTTM) are weighed by their length: there are no words.
        words[cue.speaker] += max(1, cue.words) if transcript.has_text else cue.duration

    labels: dict[str, str] = {}
    people: dict[str, list[str]] = {}  # key -> raw labels, first seen first
    display_votes: dict[str, Counter[str]] = {}
    device_votes: dict[str, Counter[str]] = {}  # keys every label of which is a device: their labels
    hosts: set[str] = set()
    others: list[NonPerson] = []
    for raw in transcript.speakers:
        if raw == UNATTRIBUTED:
            continue
        aliased = aliases.get(name_key(raw))
        other = classify(raw) if aliased is None else None
        if other is not None:
            others.append(other)
            continue
        clean = clean_name(aliased if aliased is not None else raw)
        if aliased is not None:
            clean = CleanName(display=aliased, key=name_key(aliased), host=clean_name(raw).host)
        if clean.key not in people or clean.key in device_votes:
            if clean.device:
                device_votes.setdefault(clean.key, Counter())[clean.device_label] += words[raw]
            else:
                device_votes.pop(clean.key, None)
        people.setdefault(clean.key, []).append(raw)
        display_votes.setdefault(clean.key, Counter())[clean.display] += words[raw]
        if clean.host:
            hosts.add(clean.key)
    roster_names = _roster_displays(attendees) if device_votes else {}
    for key in list(device_votes):
        owner = _device_owner(key, [k for k in people if k not in device_votes])
        if owner is not None:
            people[owner].extend(people.pop(key))
            display_votes[owner].update(display_votes.pop(key))
            if key in hosts:
                hosts.add(owner)
            continue
        attendee = _device_owner(key, list(roster_names))
        if attendee is not None:
            display_votes[key] = Counter({roster_names[attendee]: 1})
        else:
            display_votes[key] = device_votes[key]  # "Ann’s iPhone", not an "Ann" nobody wrote
    names: dict[str, str] = {}
    for key, votes in display_votes.items():
        # The spelling used for most words wins; ties go to the longer (fuller) spelling.
        names[key] = max(votes.items(), key=lambda item: (item[1], len(item[0])))[0]
    for key, raws in people.items():
        for raw in raws:
            labels[raw] = names[key]
    if UNATTRIBUTED in transcript.speakers:
        labels[UNATTRIBUTED] = UNATTRIBUTED

    spoken: Counter[str] = Counter()
    for raw, count in words.items():
        if raw in labels:
            spoken[labels[raw]] += count
    people_names = [names[key] for key in people]

    assigned: dict[str, str] = {}
    for wanted in facilitators:
        assigned[_match_person(wanted, people_names, transcript.source, "--facilitator")] = "facilitator"
    for wanted, role in roles.items():
        assigned[_match_person(wanted, people_names, transcript.source, "--role")] = role

    guess = None
    if not any(role == "facilitator" for role in assigned.values()) and people_names:
        guessed, guess = _guess_facilitator(people_names, spoken, assigned)
        if guess is not None and not transcript.has_text:
            guess = "guessed: the person who spoke longest"  # the turns have no words to count
        if guessed is not None:
            assigned[guessed] = "facilitator"
    # People whom only speaker inference put in the transcript (no cue names them for sure).
    certain = {labels[cue.speaker] for cue in transcript.cues if cue.confidence is None and cue.speaker in labels}
    speakers = []
    for key in people:
        name = names[key]
        role = assigned.get(name) or ("host" if key in hosts else "participant")
        inferred = (guess is not None and role == "facilitator" and name not in _named(facilitators, roles)) \
            or name not in certain
        aliases_of = tuple(raw for raw in people[key] if raw != name)
        speakers.append(Speaker(name=name, role=role, inferred=inferred, aliases=aliases_of))
    if UNATTRIBUTED in transcript.speakers:
        speakers.append(Speaker(name=UNATTRIBUTED, role="unattributed"))
    return Cast(speakers=tuple(speakers), labels=labels, facilitator_guess=guess, others=tuple(others))


def _device_owner(key: str, candidates: Sequence[str]) -> str | None:
    """The one key among ``candidates`` a device owner's ``key`` evidently is: the same name, or
    the only one with that first name when the device gives a first name alone."""
    if key in candidates:
        return key
    if " " in key:
        return None
    found = [candidate for candidate in candidates if candidate.split(" ")[0] == key]
    return found[0] if len(found) == 1 else None


def _roster_displays(attendees: Sequence[str]) -> dict[str, str]:
    """Key to display for the roster's entries that are neither devices nor non-people."""
    from .nonpeople import classify

    found: dict[str, str] = {}
    for attendee in attendees:
        clean = clean_name(attendee)
        if clean.key and not clean.device and classify(attendee) is None:
            found.setdefault(clean.key, clean.display)
    return found


def _named(facilitators: Sequence[str], roles: Mapping[str, str]) -> set[str]:
    return set(facilitators) | {name for name, role in roles.items() if role == "facilitator"}


def _guess_facilitator(people: list[str], spoken: Counter[str],
                       assigned: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The person who spoke most words. (Not the meeting host by preference: hosts often only
    open the session and hand over, as in the seed training.)"""
    candidates = [name for name in people if name not in assigned and name != POOLED_PARTICIPANTS]
    if not candidates:
        return None, None
    ranked = sorted(candidates, key=lambda name: (-spoken[name], people.index(name)))
    return ranked[0], "guessed: the person who spoke most words"


def _match_person(wanted: str, people: Sequence[str], source: str, option: str) -> str:
    key = name_key(clean_name(wanted).display)
    for name in people:
        if name_key(name) == key:
            return name
    first_names = [name for name in people if name_key(name).split(" ")[0] == key]
    if len(first_names) == 1:
        return first_names[0]
    listed = ", ".join(people[:12]) + (", ..." if len(people) > 12 else "")
    raise OptionError(f"{option} {quoted(wanted)} matches no speaker", path=source,
                      hint=f"speakers are: {quoted(listed, plain=True)}" if people else "this file names no speakers")


def needs_inference(transcript: Transcript) -> bool:
    """True when a good part of the speech has no speaker: no names at all, ``>>`` marks only,
    or Otter's "Unknown Speaker" blocks among named ones."""
    if all(cue.attributed for cue in transcript.cues) or not transcript.has_text:
        return False  # the common case, decided without counting words; no text, nothing to infer from
    if transcript.format == "otter" or not any(cue.attributed for cue in transcript.cues):
        return True
    return False


class Attendance(NamedTuple):
    """A roster read against the speakers: how many people it lists, those who never spoke, and
    the entries that are not people (recorders, bots: ``nonpeople.py``)."""

    count: int
    silent: tuple[str, ...]
    others: tuple[NonPerson, ...] = ()


def attendance(attendees: Iterable[str], speakers: Iterable[str]) -> Attendance:
    """Count a roster's people: entries that match one speaker (same name, device owner, or a
    unique first name) are that one person; a device entry (``Ann’s iPad (Okafor)``, ``Ann Okafor
    (Galaxy S21)``) that matches no speaker is the one other entry it evidently belongs to, when
    there is one; recorders and bots are set apart. Silent: the people who match no speaker."""
    from .nonpeople import classify

    match = attendee_matcher(speakers)
    others: list[NonPerson] = []
    entries: list[tuple[CleanName, str | None]] = []
    for attendee in attendees:
        other = classify(attendee)
        if other is not None:
            others.append(other)
            continue
        clean = clean_name(attendee)
        if clean.key:
            entries.append((clean, match(attendee)))
    # A person is the speaker matched, else the name's key; devices join a named entry if evident.
    person_of: dict[str, tuple[str, str]] = {}
    for clean, speaker in entries:
        if not clean.device:
            person_of.setdefault(clean.key, ("spoke", speaker) if speaker is not None else ("silent", clean.key))
    people: dict[tuple[str, str], str] = {}  # person -> display, in roster order
    for clean, speaker in entries:
        if speaker is not None:
            person = ("spoke", speaker)
        elif clean.device:
            owner = _device_owner(clean.key, list(person_of))
            person = person_of[owner] if owner is not None else ("silent", clean.key)
        else:
            person = person_of[clean.key]
        if person not in people or not clean.device and person[0] == "silent":
            people[person] = clean.display  # a named entry's spelling wins over a device's
    silent = tuple(display for person, display in people.items() if person[0] == "silent")
    return Attendance(count=len(people), silent=silent, others=tuple(others))


def silent_attendees(attendees: Iterable[str], speakers: Iterable[str]) -> tuple[str, ...]:
    """Attendees (a roster) who match no speaker: same name, device owner, or a unique first name."""
    return attendance(attendees, speakers).silent


def attendee_matcher(speakers: Iterable[str]) -> Callable[[str], str | None]:
    """A function giving the speaker a roster entry is (None: nobody who spoke). One rule for
    counting silent attendees and for giving a roster entry its speaker's pseudonym."""
    by_key: dict[str, str] = {}
    for name in speakers:
        if name != UNATTRIBUTED:
            by_key.setdefault(name_key(name), name)
    by_first: dict[str, list[str]] = {}
    for key, name in by_key.items():
        by_first.setdefault(key.split(" ")[0], []).append(name)

    def match(attendee: str) -> str | None:
        key = clean_name(attendee).key
        if not key:
            return None
        if key in by_key:
            return by_key[key]
        first = key.split(" ")[0]
        # "Eric" on the roster and "Eric Clapton" speaking, or the reverse.
        if " " not in key and len(by_first.get(first, ())) == 1:
            return by_first[first][0]
        return by_key.get(first)

    return match
