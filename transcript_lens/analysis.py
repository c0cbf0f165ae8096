"""One session analysed: read, identify speakers, build turns, measure airtime.

The CLI, the Python API and (later) batch runs all go through ``analyse`` so that every number
has one code path. Nothing here loads a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .equity import DEFAULT_TARGET, Airtime, measure
from .io import read_roster, read_transcript
from .io.timing import check_times
from .model import Cue, Transcript, Turn
from .speakers import Cast, identify, load_aliases, name_key, needs_inference
from .turns import DEFAULT_GAP, build_turns, credit, relabel


@dataclass(frozen=True, slots=True)
class Analysis:
    transcript: Transcript
    cast: Cast
    cues: tuple[Cue, ...]
    turns: tuple[Turn, ...]
    airtime: Airtime
    #: Other spellings heard for people (speaker inference), for pseudonymisation.
    name_variants: tuple[tuple[str, str], ...] = ()


#: When to infer speakers: ``auto`` when most speech is unnamed (or Otter's "Unknown Speaker").
INFER_CHOICES = ("auto", "always", "never")


def analyse(path: str | Path | Transcript, *, format: str | None = None,
            facilitators: Sequence[str] = (), roles: Mapping[str, str] | None = None,
            aliases: str | Path | Mapping[str, str] | None = None,
            attendees: str | Path | Sequence[str] | None = None,
            names: Sequence[str] = (), speakers: str | Path | None = None,
            infer: str = "auto", nlp: Any = None, anonymise: Any = None,
            gap: float = DEFAULT_GAP, target: float = DEFAULT_TARGET) -> Analysis:
    """Read a transcript (or take one already read) and measure its airtime.

    ``aliases`` is a mapping of variant to name or the path of an alias file; ``attendees`` a
    list of names or the path of a participants CSV; ``names`` more people known to be there
    (they help speaker inference spell mis-heard names). ``speakers`` is a corrections CSV
    (``corrections.py``). ``nlp`` is a spaCy pipeline or a ``LazyPipeline``; it is loaded only
    when speaker inference runs. ``anonymise`` is a ``Pseudonymiser``: the analysis that comes back
    holds pseudonyms only (``anonymise_analysis``).
    """
    # A Transcript built by the caller gets the bounds every reader's output gets.
    transcript = check_times(path) if isinstance(path, Transcript) else read_transcript(path, format=format)
    alias_map = load_aliases(aliases) if isinstance(aliases, (str, Path)) else _keyed(aliases or {})
    roster: Sequence[str] = ()
    if isinstance(attendees, (str, Path)):
        roster = read_roster(attendees).names
    elif attendees:
        roster = tuple(attendees)
    corrections = None
    if speakers is not None:
        from .corrections import apply_corrections, load_corrections  # only runs that correct need csv

        corrections = load_corrections(speakers)
    variants: tuple[tuple[str, str], ...] = ()
    if infer not in INFER_CHOICES:
        raise ValueError(f"infer must be one of {INFER_CHOICES}")
    if infer == "always" or (infer == "auto" and needs_inference(transcript)):
        from .attribution import infer as infer_speakers  # spaCy only for files that need it
        from .nlp import LazyPipeline, load_pipeline

        pipeline = nlp.get() if isinstance(nlp, LazyPipeline) else (nlp or load_pipeline())
        people = tuple(dict.fromkeys([*roster, *names, *transcript.attendees]))
        inference = infer_speakers(transcript, pipeline, roster=people)
        transcript, variants = inference.transcript, inference.name_variants
    if corrections is not None:
        transcript = apply_corrections(transcript, corrections, path=speakers)
    cast = identify(transcript, aliases=alias_map, facilitators=facilitators, roles=roles)
    cues = relabel(transcript, cast.labels)
    credited = credit(cues)
    turns = build_turns(cues, gap=gap, credited=credited.seconds)
    airtime = measure(transcript, cast, cues, turns, credited, attendees=roster, target=target)
    analysis = Analysis(transcript=transcript, cast=cast, cues=cues, turns=turns, airtime=airtime,
                        name_variants=variants)
    if anonymise is not None:
        return anonymise_analysis(analysis, anonymise, roster=roster, gap=gap, target=target)
    return analysis


def anonymise_analysis(analysis: Analysis, pseudonymiser: Any, *, roster: Sequence[str] = (),
                       gap: float = DEFAULT_GAP, target: float = DEFAULT_TARGET) -> Analysis:
    """The one place where names leave: speakers and text are pseudonymised, then turns and
    airtime are measured again on the pseudonymised transcript (same roles, same figures), so
    nothing downstream — tags, reports, the database — ever sees a name."""
    order = {"facilitator": 0, "host": 1, "participant": 2}
    people = [(s.name, s.role, s.aliases) for s in sorted(analysis.cast.speakers, key=lambda s: order.get(s.role, 3))
              if s.role != "unattributed"]
    transcript, roster_pseudonyms = pseudonymiser.apply(analysis.transcript, people, roster, analysis.name_variants)
    chosen = [pseudonymiser.key[s.name] for s in analysis.cast.speakers if s.role == "facilitator"]
    facilitators = chosen if analysis.cast.facilitator_guess is None else []
    roles = {pseudonymiser.key[s.name]: s.role for s in analysis.cast.speakers if s.role == "host"}
    cast = identify(transcript, facilitators=facilitators, roles=roles)
    cues = relabel(transcript, cast.labels)
    credited = credit(cues)
    turns = build_turns(cues, gap=gap, credited=credited.seconds)
    airtime = measure(transcript, cast, cues, turns, credited, attendees=roster_pseudonyms, target=target)
    return Analysis(transcript=transcript, cast=cast, cues=cues, turns=turns, airtime=airtime)


def _keyed(aliases: Mapping[str, str]) -> dict[str, str]:
    return {name_key(variant): name for variant, name in aliases.items()}
