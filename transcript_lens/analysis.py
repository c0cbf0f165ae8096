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
    #: The roster given (``attendees``), as written.
    roster: tuple[str, ...] = ()
    #: Every other name the inputs gave (``names``, facilitators, roles, aliases), so that
    #: pseudonymisation masks them too.
    names: tuple[str, ...] = ()


#: When to infer speakers: ``auto`` when most speech is unnamed (or Otter's "Unknown Speaker").
INFER_CHOICES = ("auto", "always", "never")


def analyse(path: str | Path | Transcript, *, format: str | None = None,
            facilitators: Sequence[str] = (), roles: Mapping[str, str] | None = None,
            aliases: str | Path | Mapping[str, str] | None = None,
            attendees: str | Path | Sequence[str] | None = None,
            names: Sequence[str] = (), speakers: str | Path | None = None,
            infer: str = "auto", nlp: Any = None, anonymise: Any = None,
            gap: float = DEFAULT_GAP, target: float = DEFAULT_TARGET, overlap: str = "split",
            duration: str = "speech") -> Analysis:
    """Read a transcript (or take one already read) and measure its airtime.

    ``aliases`` is a mapping of variant to name or the path of an alias file; ``attendees`` a
    list of names or the path of a participants CSV; ``names`` more people known to be there
    (they help speaker inference spell mis-heard names). ``speakers`` is a corrections CSV
    (``corrections.py``). ``nlp`` is a spaCy pipeline or a ``LazyPipeline``; it is loaded only
    when speaker inference runs. ``overlap`` is how overlapping speech is credited
    (``turns.OVERLAP_POLICIES``: ``split`` equally, ``each`` in full to everyone). ``anonymise``
    is a ``Pseudonymiser``: the analysis that comes back holds pseudonyms only, with the very
    figures of the plain analysis (``anonymise_analysis``). ``duration`` is what the session's
    duration spans (``equity.DURATION_BASES``: ``speech``, first word to last, or ``recording``).
    Labels that name no person (shared audio, presentations, recorders: ``nonpeople.py``) are
    taken out of the cues and turns here and measured apart (``Airtime.others``).
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
    given_roles, inferred_roles = roles, None
    if infer not in INFER_CHOICES:
        raise ValueError(f"infer must be one of {INFER_CHOICES}")
    # Inference reads the text: speaker turns without text (RTTM) keep the labels they have.
    if transcript.has_text and (infer == "always" or (infer == "auto" and needs_inference(transcript))):
        from .attribution import infer as infer_speakers  # spaCy only for files that need it
        from .nlp import LazyPipeline, load_pipeline

        pipeline = nlp.get() if isinstance(nlp, LazyPipeline) else (nlp or load_pipeline())
        people = tuple(dict.fromkeys([*roster, *names, *transcript.attendees]))
        inference = infer_speakers(transcript, pipeline, roster=people)
        transcript, variants = inference.transcript, inference.name_variants
        if inference.host is not None and inference.host not in facilitators and inference.host not in (roles or {}):
            inferred_roles = {inference.host: "host"}
            roles = {**inferred_roles, **(roles or {})}  # --facilitator and --role still win
    if corrections is not None:
        transcript = apply_corrections(transcript, corrections, path=speakers)
        # A reviewed file's roles replace the inference's (its host); --role still wins, and a
        # facilitator named with --facilitator is the only facilitator.
        named = {name_key(name) for name in facilitators}
        reviewed = {alias_map.get(name_key(name), name): role for name, role in corrections.roles.items()
                    if not (facilitators and role == "facilitator")
                    and not {name_key(name), name_key(name).split(" ")[0]} & named}
        roles = {**(inferred_roles or {}), **reviewed, **(given_roles or {})}
    cast = identify(transcript, aliases=alias_map, facilitators=facilitators, roles=roles, attendees=roster)
    cues = relabel(transcript, cast.labels)
    others: tuple[Cue, ...] = ()
    if cast.others:
        set_apart = {other.label for other in cast.others}
        others = tuple(cue for cue in cues if cue.speaker in set_apart)
        cues = tuple(cue for cue in cues if cue.speaker not in set_apart)
    credited = credit(cues, overlap=overlap)
    turns = build_turns(cues, gap=gap, credited=credited.seconds)
    airtime = measure(transcript, cast, cues, turns, credited, attendees=roster, target=target, others=others,
                      duration=duration)
    given = [*names, *facilitators, *(roles or {}), *alias_map, *alias_map.values()]
    analysis = Analysis(transcript=transcript, cast=cast, cues=cues, turns=turns, airtime=airtime,
                        name_variants=variants, roster=tuple(roster), names=tuple(dict.fromkeys(given)))
    if anonymise is not None:
        return anonymise_analysis(analysis, anonymise)
    return analysis


def anonymise_analysis(analysis: Analysis, pseudonymiser: Any, *, chat: Any = None) -> Analysis:
    """The one place where names leave, after every figure is measured: speakers, roster and
    chat authors become pseudonyms and names in the text are masked word for word, so every
    count stays as it was and nothing downstream — reports, the database — sees a name."""
    masked, _ = pseudonymiser.anonymise(analysis, chat=chat)
    return masked


def anonymise_tagging(tagging: Any, masked: Analysis) -> Any:
    """A tagging of the plain analysis's passages, with the passages of ``masked`` (its
    pseudonymised twin) in their place: tags scored on what was said, text without names.
    Masking keeps every word count and maps speakers one to one, so the passages line up."""
    from dataclasses import replace

    from .tagging.passages import build_passages

    passages = build_passages(masked.cues)
    if len(passages) != len(tagging.passages) or any(
            p.lines != t.passage.lines for p, t in zip(passages, tagging.passages)):
        raise RuntimeError("pseudonymised passages do not line up with the tagged ones")  # a bug, not input
    return replace(tagging, passages=tuple(replace(t, passage=p) for t, p in zip(tagging.passages, passages)))


def _keyed(aliases: Mapping[str, str]) -> dict[str, str]:
    return {name_key(variant): name for variant, name in aliases.items()}
