"""How much of the talk touched each value and spectrum position, from the tags' probabilities.

A calibrated score is the probability that the tag is right, so the words of the talk about a code
are expected to be ``sum(p * words) / sum(words)`` of all the words — every passage counts by its
probability, tagged or not, instead of a count of tags over a threshold that moves with the
threshold. Its uncertainty: each passage is taken as an independent Bernoulli draw with its
probability, so the share has variance ``sum(words² * p * (1 - p)) / sum(words)²``; the range given is
the share ± 1.96 standard deviations, clipped to [0, 1]. Neighbouring passages share a topic, and
the probabilities themselves carry the calibration's error, so the true uncertainty is wider: the
range says how much the figure could move from which passages happen to be right, not more.

A passage a person reviewed (``--tag-corrections``) counts 1 for the tags given and 0 for the rest,
with no uncertainty. Without a calibration the scores are bare similarities, not probabilities: the
share is then that of the tagged passages' words, and no range is given.
"""

from __future__ import annotations

import math
from typing import Any

from .tagger import Tagging

#: Standard deviations either side of the share: a 95% range under the normal approximation.
Z = 1.96


def coverage(tagging: Tagging) -> dict[str, Any]:
    """``{"unit": "words", "words", "from", "codes": {code: {"share", "low", "high", "words"}}}``;
    ``low`` and ``high`` are None without a calibration."""
    codes: dict[str, None] = {}
    for tagged in tagging.passages:
        codes.update((code, None) for code, _ in tagged.scores)
        codes.update((tag.label, None) for tag in _tags(tagged))
    total = sum(tagged.passage.words for tagged in tagging.passages)
    found: dict[str, dict[str, Any]] = {}
    rows = [(tagged.passage.words, _probabilities(tagged, calibrated=tagging.calibrated))
            for tagged in tagging.passages]
    for code in codes:
        expected = variance = 0.0
        for words, probabilities in rows:
            probability = probabilities.get(code, 0.0)
            expected += probability * words
            variance += words * words * probability * (1.0 - probability)
        share = expected / total if total else 0.0
        spread = Z * math.sqrt(variance) / total if total else 0.0
        found[code] = {
            "share": round(share, 4),
            "low": round(max(0.0, share - spread), 4) if tagging.calibrated else None,
            "high": round(min(1.0, share + spread), 4) if tagging.calibrated else None,
            "words": round(expected, 1),
        }
    return {"unit": "words", "words": total,
            "from": "probabilities" if tagging.calibrated else "tagged passages (no calibration)",
            "codes": found}


def _tags(tagged: Any) -> list[Any]:
    return [*tagged.values, *([tagged.spectrum] if tagged.spectrum is not None else [])]


def _probabilities(tagged: Any, *, calibrated: bool) -> dict[str, float]:
    """Each code's probability for this passage: its calibrated score (or a person's 1 or 0), else
    1 for the passage's tags and 0 for the rest."""
    if (calibrated or tagged.reviewed) and tagged.scores:
        return {code: min(1.0, max(0.0, float(score))) for code, score in tagged.scores}
    return {tag.label: 1.0 for tag in _tags(tagged)}
