"""Tagging passages against a codebook by sentence-embedding similarity.

For every passage and code the tagger computes a few signals (``FEATURES``):

* ``similarity``: mean of the three best cosine similarities between the passage and the code's
  example statements (embeddings normalised, one matrix product);
* ``context``: the same for the passage's neighbourhood (two passages either side, weighted
  towards the middle), because the labels follow the topic of the surrounding talk;
* ``none``: how close the passage is to the codebook's "no label" statements (logistics,
  introductions, chit-chat);
* ``keywords`` / ``context_keywords``: the code's key phrases (in their common inflections) found by spaCy's
  PhraseMatcher in the passage / its neighbourhood (log-scaled counts);
* ``standout`` / ``context_standout``: how far this code's similarity stands above the mean of
  its group, so a passage close to everything is not tagged with everything.

A head fitted on labelled transcripts (``head.py``; fitted and validated leave-one-transcript-out by
``transcript_lens.tagging.calibrate``, stored in ``models/tagger_calibration.json``) turns each
code's signals into a probability: a logistic regression per code, then a curve from its score to
the fraction of such tags that were right on transcripts the head had not seen. Values are
multi-label (every code over its threshold); the spectrum is single-label (the most probable of
the positions over their thresholds) with its mode. Thresholds are per code or one per group, as
leave-one-transcript-out validation chose. Reports quote as evidence only tags over
a higher bar, chosen for precision. A codebook the calibration was not fitted on falls back to the
similarity alone and says so (``calibrated``); ``transcript-lens calibrate`` fits one for it.
Texts are embedded in one ``encode`` call; codebook embeddings are cached on disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..errors import OptionError
from .codebook import Code, Codebook, load_asr_corrections
from .embedder import Embedder, cached_encode
from .head import apply_curve, head_inputs, logistic
from .passages import Passage

FEATURES = ("similarity", "context", "none", "keywords", "context_keywords", "standout", "context_standout")
_TOP = 3
#: Weights of the passages around a passage in its context embedding (offsets -2..+2).
_CONTEXT_WEIGHTS = (0.5, 1.0, 2.0, 1.0, 0.5)
#: Without a calibration for this codebook: the context similarity, over these thresholds.
_FALLBACK_THRESHOLD = {"values": 0.45, "spectrum": 0.45}


@dataclass(frozen=True, slots=True)
class Tag:
    label: str
    score: float
    evidence: str
    mode: str | None = None
    #: Given by a person (``--tag-corrections``), not by the model: its score is 1.0.
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class TaggedPassage:
    passage: Passage
    values: tuple[Tag, ...]
    spectrum: Tag | None
    #: Every code's score for this passage, tagged or not, as (code id, score) in codebook order:
    #: what coverage sums (``coverage.py``). A passage a person reviewed has 1.0 for its tags, 0.0 else.
    scores: tuple[tuple[str, float], ...] = ()
    #: A person decided this passage's tags (``--tag-corrections``): the model's are replaced.
    reviewed: bool = False


@dataclass(frozen=True, slots=True)
class Tagging:
    source: str
    model: str
    codebook: str
    calibrated: bool
    passages: tuple[TaggedPassage, ...]
    #: Per group, the probability a tag needs to be quoted as evidence (chosen for precision).
    evidence_bar: dict[str, float] = field(default_factory=dict)
    #: What changed the model's tags (a corrections file applied), for the outputs' notes.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The fitted head, per group: ``inputs`` (``own`` or ``group``, see ``head.py``), for each
    code its logistic ``weights`` and ``bias`` and the ``curve`` from score to the fraction of
    such tags that were right in leave-one-transcript-out validation and, where validation chose
    thresholds per code, its own ``threshold``; the group's ``threshold`` (on that probability) to
    tag (the lowest of its codes'), and its ``evidence_bar`` to quote a passage as evidence."""

    model: str
    codebook: str
    groups: dict[str, dict[str, Any]]
    evaluation: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Calibration | None":
        """The calibration at ``path`` (default: the shipped one); None when there is none."""
        file = Path(path) if path is not None else Path(str(files("transcript_lens.models") / "tagger_calibration.json"))
        if not file.is_file():
            if path is not None:
                raise OptionError("calibration file not found", path=file,
                                  hint="give a file written by `transcript-lens calibrate`")
            return None
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            return cls(model=data["model"], codebook=data["codebook"], groups=data["groups"],
                       evaluation=data.get("evaluation", {}))
        except (ValueError, KeyError, TypeError):
            raise OptionError("is not a tagger calibration (or was written by an older version)", path=file,
                              hint="rewrite it with `transcript-lens calibrate`") from None

    def to_json(self) -> str:
        data = {"model": self.model, "codebook": self.codebook, "features": list(FEATURES), "groups": self.groups,
                "evaluation": self.evaluation}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @property
    def digest(self) -> str:
        """Names this head (batch caches key on it)."""
        import hashlib

        return hashlib.sha256(json.dumps([self.model, self.codebook, self.groups], sort_keys=True)
                              .encode()).hexdigest()[:12]

    def threshold(self, group: str) -> float:
        return float(self.groups[group]["threshold"])

    def code_threshold(self, group: str, code: str) -> float:
        """The code's own threshold where validation chose one per code, else the group's."""
        return float(self.groups[group]["codes"].get(code, {}).get("threshold", self.groups[group]["threshold"]))

    def evidence_bar(self, group: str) -> float:
        return float(self.groups[group].get("evidence_bar", self.groups[group]["threshold"]))


def calibration_beside(codebook_path: str | Path) -> Path:
    """Where ``transcript-lens calibrate`` writes, and the tagger looks for, a codebook's own
    calibration: ``my_codebook.yaml`` → ``my_codebook.calibration.json``."""
    path = Path(codebook_path)
    return path.with_name(path.stem + ".calibration.json")


def calibration_for(codebook: Codebook, path: str | Path | None = None) -> Calibration | None:
    """The calibration at ``path`` (``--calibration``), else the codebook's own when one lies beside
    it, else the shipped one (which the tagger uses only if it was fitted on this very codebook).
    A calibration the user pointed at, or one beside the codebook, must be for its codes: one for
    other codes is an error, not a silent fallback to the bare similarity."""
    beside = calibration_beside(codebook.source)
    chosen = Path(path) if path is not None else beside if beside.is_file() else None
    if chosen is None:
        return Calibration.load()
    calibration = Calibration.load(chosen)
    check_calibration(calibration, codebook, path=chosen)
    return calibration


def check_calibration(calibration: Calibration, codebook: Codebook, *, path: str | Path,
                      model: str | None = None) -> None:
    """A one-line error when ``calibration`` was not fitted for ``codebook`` (other code ids, or the
    same ids with other example statements) or, given ``model``, for another embedding model."""
    hint = (f"fit one for this codebook with `transcript-lens calibrate LABELS.tsv … --codebook "
            f"{codebook.source}`, or leave out --calibration")
    fitted = {(group, code) for group, head in calibration.groups.items() for code in head.get("codes", {})}
    wanted = {(code.group, code.id) for code in codebook.codes}
    if fitted != wanted:
        missing = sorted(code for _, code in wanted - fitted)
        extra = sorted(code for _, code in fitted - wanted)
        said = "; ".join(part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                           f"has {', '.join(extra)} that the codebook does not" if extra else "")
                         if part)
        raise OptionError(f"was fitted for other codes than the codebook {codebook.source} ({said})",
                          path=path, hint=hint)
    if calibration.codebook != codebook.digest:
        raise OptionError(f"was fitted on another version of the codebook {codebook.source} (its statements "
                          f"or key phrases changed since)", path=path, hint=hint)
    if model is not None and calibration.model != model:
        raise OptionError(f"was fitted with the embedding model {calibration.model}, not {model}", path=path,
                          hint="give --model the model it was fitted with, or refit it with `transcript-lens "
                               "calibrate … --model`")


@dataclass(frozen=True)
class Signals:
    """Per group: ``features[group]`` is (passages × codes × FEATURES); ``evidence[group]`` the index
    of each code's closest example per passage."""

    codes: dict[str, tuple[Code, ...]]
    features: dict[str, Any]
    evidence: dict[str, Any]


class Tagger:
    """Holds the codebook's embeddings and key-phrase matcher; tags passages of any transcript."""

    def __init__(self, codebook: Codebook, embedder: Embedder, *, nlp: Any = None,
                 calibration: Calibration | None = None, corrections: dict[str, str] | None = None) -> None:
        import numpy as np

        self.codebook = codebook
        self.embedder = embedder
        self.nlp = nlp
        usable = calibration is not None and calibration.codebook == codebook.digest \
            and calibration.model == embedder.name
        self.calibration = calibration if usable else None
        self.corrections = load_asr_corrections() if corrections is None else corrections
        self._fix = _corrector(self.corrections)
        texts = [example for code in codebook.codes for example in code.examples] + list(codebook.none)
        vectors = cached_encode(embedder, texts, key=codebook.digest)
        # Each code's rows in one matrix of every example, so a passage meets the whole codebook
        # in one matrix product.
        self._rows: dict[str, slice] = {}
        position = 0
        for code in codebook.codes:
            self._rows[code.id] = slice(position, position + len(code.examples))
            position += len(code.examples)
        self._examples = vectors[:position]
        self._none = vectors[position:] if codebook.none else np.zeros((0, vectors.shape[1]), dtype=np.float32)
        self._matcher = _phrase_matcher(nlp, codebook) if nlp is not None else None

    def clean(self, text: str) -> str:
        return self._fix(text)

    def signals(self, passages: Sequence[Passage]) -> Signals:
        """Every signal for every passage and code, from one ``encode`` call."""
        return self._signals_many([passages])[0]

    def _signals_many(self, groups: Sequence[Sequence[Passage]],
                      counted: Sequence[dict[str, Any]] | None = None) -> list[Signals]:
        """Signals for several transcripts' passages from ONE ``encode`` call over all of them;
        contexts and keyword neighbourhoods never cross from one transcript to the next.
        ``counted`` holds key-phrase counts already found per group (by batch workers)."""
        import numpy as np

        texts = [self.clean(passage.text) for group in groups for passage in group]
        # Key phrases (spaCy, mostly Python) are found while the model embeds (torch, which
        # releases the interpreter): the two overlap instead of adding up.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(self._keyword_counts, texts) if counted is None else None
            embedded = (np.asarray(self.embedder.encode(texts), dtype=np.float32) if texts
                        else np.zeros((0, self._examples.shape[1]), dtype=np.float32))
            keywords = pending.result() if pending is not None else {
                code.id: np.concatenate([group[code.id] for group in counted]) if counted else np.zeros(0)
                for code in self.codebook.codes}
        found = []
        position = 0
        for group in groups:
            end = position + len(group)
            found.append(self._signals_from(embedded[position:end],
                                            {code: counts[position:end] for code, counts in keywords.items()}))
            position = end
        return found

    def _signals_from(self, embedded: Any, keywords: dict[str, Any]) -> Signals:
        import numpy as np

        count = embedded.shape[0]
        context = _context(embedded)
        around = _neighbour_sum(keywords)
        none = _top_mean(embedded @ self._none.T) if len(self._none) and count else np.zeros(count)
        direct_all = embedded @ self._examples.T
        wide_all = context @ self._examples.T
        codes, features, evidence = {}, {}, {}
        for group in ("values", "spectrum"):
            group_codes = self.codebook.group(group)
            codes[group] = group_codes
            table = np.zeros((count, len(group_codes), len(FEATURES)), dtype=np.float32)
            best = np.zeros((count, len(group_codes)), dtype=np.int64)
            for index, code in enumerate(group_codes):
                direct = direct_all[:, self._rows[code.id]]
                wide = wide_all[:, self._rows[code.id]]
                table[:, index, 0] = _top_mean(direct)
                table[:, index, 1] = _top_mean(wide)
                table[:, index, 2] = none
                table[:, index, 3] = np.log1p(keywords.get(code.id, np.zeros(count)))
                table[:, index, 4] = np.log1p(around.get(code.id, np.zeros(count)))
                best[:, index] = np.argmax(direct + wide, axis=1)
            if group_codes:
                table[:, :, 5] = table[:, :, 0] - table[:, :, 0].mean(axis=1, keepdims=True)
                table[:, :, 6] = table[:, :, 1] - table[:, :, 1].mean(axis=1, keepdims=True)
            features[group], evidence[group] = table, best
        return Signals(codes=codes, features=features, evidence=evidence)

    def scores(self, signals: Signals, group: str) -> Any:
        """(passages × codes) in [0, 1]: with a calibration, the probability that the tag is right
        (the fraction of such tags that were right across transcripts); without, the bare context
        similarity."""
        import numpy as np

        table = signals.features[group]
        if self.calibration is None:
            return np.clip(table[:, :, 1], 0.0, 1.0)
        fitted = self.calibration.groups[group]
        scores = np.zeros(table.shape[:2])
        for index, code in enumerate(signals.codes[group]):
            head = fitted["codes"][code.id]
            raw = logistic(head_inputs(table, index, fitted["inputs"]), head["weights"], head["bias"])
            scores[:, index] = apply_curve(raw, head["curve"])
        return scores

    def threshold(self, group: str) -> float:
        return self.calibration.threshold(group) if self.calibration else _FALLBACK_THRESHOLD[group]

    def thresholds(self, group: str, codes: Sequence[Code]) -> Any:
        """One threshold per code of the group (each code's own where the calibration has one)."""
        import numpy as np

        if self.calibration is None:
            return np.full(len(codes), _FALLBACK_THRESHOLD[group])
        return np.array([self.calibration.code_threshold(group, code.id) for code in codes])

    def evidence_bar(self, group: str) -> float:
        """The probability a tag needs before a report quotes its passage as evidence."""
        return self.calibration.evidence_bar(group) if self.calibration else _FALLBACK_THRESHOLD[group]

    def tag(self, passages: Sequence[Passage], *, source: str = "") -> Tagging:
        return self._tag(passages, self.signals(passages), source)

    def tag_many(self, groups: Sequence[Sequence[Passage]], sources: Sequence[str],
                 counted: Sequence[dict[str, Any]] | None = None) -> list[Tagging]:
        """Tag several transcripts with one ``encode`` call (batch runs); ``counted`` are the
        key-phrase counts of each group when workers found them (``keyword_counts``)."""
        return [self._tag(group, signals, source)
                for group, signals, source in zip(groups, self._signals_many(groups, counted), sources)]

    def _tag(self, passages: Sequence[Passage], signals: Signals, source: str) -> Tagging:
        import numpy as np

        value_scores = self.scores(signals, "values")
        spectrum_scores = self.scores(signals, "spectrum")
        value_codes, spectrum_codes = signals.codes["values"], signals.codes["spectrum"]
        # Every code's score per passage (what coverage sums), as plain floats in one step.
        code_ids = [code.id for code in (*value_codes, *spectrum_codes)]
        every_score = np.round(np.concatenate([np.asarray(value_scores, dtype=float),
                                               np.asarray(spectrum_scores, dtype=float)], axis=1), 4).tolist()
        value_over = value_scores >= self.thresholds("values", value_codes)
        # The spectrum's position: the most probable of those over their own thresholds.
        spectrum_ranked = np.where(spectrum_scores >= self.thresholds("spectrum", spectrum_codes), spectrum_scores, -1.0)
        tagged = []
        for index, passage in enumerate(passages):
            values = tuple(
                Tag(code.id, float(value_scores[index, position]),
                    code.examples[signals.evidence["values"][index, position]])
                for position, code in enumerate(value_codes)
                if value_over[index, position])
            spectrum = None
            if spectrum_codes:
                position = int(spectrum_ranked[index].argmax())
                if spectrum_ranked[index, position] >= 0:
                    code = spectrum_codes[position]
                    spectrum = Tag(code.id, float(spectrum_scores[index, position]),
                                   code.examples[signals.evidence["spectrum"][index, position]], mode=code.mode)
            scores = tuple(zip(code_ids, every_score[index]))
            tagged.append(TaggedPassage(passage, tuple(sorted(values, key=lambda tag: -tag.score)), spectrum,
                                        scores=scores))
        return Tagging(source=source, model=self.embedder.name, codebook=self.codebook.name,
                       calibrated=self.calibration is not None, passages=tuple(tagged),
                       evidence_bar={group: round(self.evidence_bar(group), 4) for group in ("values", "spectrum")})

    def _keyword_counts(self, texts: Sequence[str]) -> dict[str, Any]:
        return keyword_counts(texts, self.codebook, self.nlp, self._matcher)


class KeyPhrases:
    """The key-phrase half of the tagger, without the model: what a batch worker needs to count
    key phrases in its own process while the main process embeds."""

    def __init__(self, codebook: Codebook, nlp: Any, corrections: dict[str, str] | None = None) -> None:
        self.codebook = codebook
        self.nlp = nlp
        self._fix = _corrector(load_asr_corrections() if corrections is None else corrections)
        self._matcher = _phrase_matcher(nlp, codebook)

    def counts(self, passages: Sequence[Passage]) -> dict[str, Any]:
        return keyword_counts([self._fix(p.text) for p in passages], self.codebook, self.nlp, self._matcher)


def keyword_counts(texts: Sequence[str], codebook: Codebook, nlp: Any, matcher: Any) -> dict[str, Any]:
    """Per code, how many of its key phrases each (cleaned) text holds (tokenizer only)."""
    import numpy as np

    counts: dict[str, Any] = {code.id: np.zeros(len(texts)) for code in codebook.codes}
    if matcher is None:
        return counts
    from ..nlp import cut_long_runs

    # Long runs without whitespace cut first: spaCy's tokenizer is quadratic in such a token's length.
    for index, doc in enumerate(nlp.tokenizer.pipe([cut_long_runs(text) for text in texts], batch_size=256)):
        for match_id, _, _ in matcher(doc):
            counts[nlp.vocab.strings[match_id]][index] += 1
    return counts


def _corrector(corrections: dict[str, str]):
    if not corrections:
        return lambda text: text
    pattern = re.compile(r"\b(" + "|".join(re.escape(key) for key in sorted(corrections, key=len, reverse=True))
                         + r")\b", re.IGNORECASE)
    return lambda text: pattern.sub(lambda match: corrections[match.group(0).lower()], text)


def _phrase_matcher(nlp: Any, codebook: Codebook) -> Any:
    """Key phrases matched on lower-case word forms, each phrase also in the common inflections
    of its first and last words: the tokenizer alone, no tagger, so a batch of thousands of
    passages costs seconds, not minutes."""
    from spacy.matcher import PhraseMatcher

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for code in codebook.codes:
        variants = {form for keyword in code.keywords for form in _forms(keyword)}
        if variants:
            matcher.add(code.id, [nlp.make_doc(form) for form in sorted(variants)])
    return matcher


def _forms(phrase: str) -> set[str]:
    """The phrase with its first and last words in their common inflections (share / shares /
    sharing / shared): lemma matching without running the tagger over every passage."""
    words = phrase.split()
    if not words:
        return set()
    if len(words) == 1:
        return _inflections(words[0])
    middle = " ".join(words[1:-1])
    return {" ".join(part for part in (first, middle, last) if part)
            for first in _inflections(words[0]) for last in _inflections(words[-1])}


def _inflections(word: str) -> set[str]:
    forms = {word, word + "s", word + "es", word + "ing", word + "ed", word + "d"}
    if word.endswith("e") and len(word) > 3:
        forms.add(word[:-1] + "ing")
    if word.endswith("y") and len(word) > 3:
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) > 3 and word[-1] not in "aeiouywx" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed"}  # plan -> planning, planned
    return forms


def _top_mean(similarities: Any) -> Any:
    import numpy as np

    if similarities.shape[1] == 0:
        return np.zeros(similarities.shape[0])
    top = min(_TOP, similarities.shape[1])
    return np.sort(similarities, axis=1)[:, -top:].mean(axis=1)


def _context(embedded: Any) -> Any:
    import numpy as np

    count = embedded.shape[0]
    mixed = np.zeros_like(embedded)
    for offset, weight in zip(range(-2, 3), _CONTEXT_WEIGHTS):
        low, high = max(0, -offset), min(count, count - offset)
        mixed[low:high] += weight * embedded[low + offset:high + offset]
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    return mixed / np.where(norms == 0, 1, norms)


def _neighbour_sum(counts: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    summed = {}
    for code, values in counts.items():
        padded = np.pad(values, 1)
        summed[code] = padded[:-2] + padded[1:-1] + padded[2:]
    return summed
