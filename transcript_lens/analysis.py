"""One session analysed: read, identify speakers, build turns, measure airtime.

The CLI, the Python API and (later) batch runs all go through ``analyse`` so that every number
has one code path. Nothing here loads a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .equity import DEFAULT_TARGET, Airtime, measure
from .io import read_roster, read_transcript
from .model import Cue, Transcript, Turn
from .speakers import Cast, identify, load_aliases, name_key
from .turns import DEFAULT_GAP, build_turns, credit, relabel


@dataclass(frozen=True, slots=True)
class Analysis:
    transcript: Transcript
    cast: Cast
    cues: tuple[Cue, ...]
    turns: tuple[Turn, ...]
    airtime: Airtime


def analyse(path: str | Path | Transcript, *, format: str | None = None,
            facilitators: Sequence[str] = (), roles: Mapping[str, str] | None = None,
            aliases: str | Path | Mapping[str, str] | None = None,
            attendees: str | Path | Sequence[str] | None = None,
            gap: float = DEFAULT_GAP, target: float = DEFAULT_TARGET) -> Analysis:
    """Read a transcript (or take one already read) and measure its airtime.

    ``aliases`` is a mapping of variant to name or the path of an alias file; ``attendees`` a
    list of names or the path of a participants CSV.
    """
    transcript = path if isinstance(path, Transcript) else read_transcript(path, format=format)
    alias_map = load_aliases(aliases) if isinstance(aliases, (str, Path)) else _keyed(aliases or {})
    roster: Sequence[str] = ()
    if isinstance(attendees, (str, Path)):
        roster = read_roster(attendees).names
    elif attendees:
        roster = tuple(attendees)
    cast = identify(transcript, aliases=alias_map, facilitators=facilitators, roles=roles)
    cues = relabel(transcript, cast.labels)
    credited = credit(cues)
    turns = build_turns(cues, gap=gap, credited=credited.seconds)
    airtime = measure(transcript, cast, cues, turns, credited, attendees=roster, target=target)
    return Analysis(transcript=transcript, cast=cast, cues=cues, turns=turns, airtime=airtime)


def _keyed(aliases: Mapping[str, str]) -> dict[str, str]:
    return {name_key(variant): name for variant, name in aliases.items()}
