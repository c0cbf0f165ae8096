"""Where the speaker changes: a small learned model over the boundaries between lines.

Owns the features of a line boundary (timing relative to the file, how the previous line ends,
how the next one opens, the explicit cues of ``attribution_patterns.py`` found by plain regular
expressions) and scoring them with the weights in ``models/speaker_change.json``. It does not
decide who speaks (``attribution.py`` does) and never trains: ``python -m
transcript_lens.train_speakers --write`` fits the weights on ``../shared`` and writes that file.

Only numpy is needed at run time; the features of 50,000 lines take well under a second.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

#: Words per second of speech used to expect a line's length in time (the podcast gold's rate).
WORDS_PER_SECOND = 2.6

_BACKCHANNEL = frozenset("""
    yeah yes yep yup yea ya mhm mm mmm hmm uh-huh right okay ok sure no nope exactly absolutely true
    indeed correct agreed definitely totally oh ah
""".split())
_GREETING = frozenset("hi hello hey morning afternoon evening welcome".split())
_THANKS = frozenset("thank thanks cheers".split())
_DISCOURSE = frozenset("so well um uh erm er like anyway alright".split())
_CONJUNCTION = frozenset("and but or because cause 'cause which that then to of".split())
_PRAISE = frozenset("""
    great wonderful brilliant fantastic awesome super lovely perfect excellent cool good nice
    interesting
""".split())
_FIRST_WORD = re.compile(r"[a-z']+(?:-[a-z]+)?")
_INTRO = re.compile(r"\b(?:i'm|i am|i’m|my name is|my name's)\s+[A-Z][a-z]+")
_HANDOVER = re.compile(
    r"\b(?:come to you|over to you|hand(?:ing)? (?:it )?(?:over|back) to|pass(?:ing)? (?:it )?(?:over|on) to|"
    r"your turn|floor is yours|go ahead|what do you think|any questions|anyone else|anybody else|"
    r"would you like to|do you want to|can you tell us|could you tell us|tell us about)\b", re.IGNORECASE)
_UNMUTE = re.compile(r"\b(?:on mute|off mute|unmute|was muted|can you hear me|can you see me)\b", re.IGNORECASE)
_CLOSING = re.compile(r"\b(?:thank you|thanks|that's it|that's all|i'll stop there|for having me)\W*$",
                      re.IGNORECASE)

#: Feature names in the order of the model's weights. ``t_`` features are zero for a file
#: without times; ``p_`` describe the line before the boundary, ``n_`` the line after it.
TIME_FEATURES = ("t_gap_rank", "t_slack_rank", "t_slack_z", "t_backwards", "t_equal", "t_long_pause",
                 "t_next_backwards")
LENGTH_FEATURES = ("p_len", "p_short")
FEATURES = TIME_FEATURES + LENGTH_FEATURES + (
    "p_no_stop", "p_trailing", "p_question", "p_you_question", "p_closing", "p_handover",
    "n_len", "n_short", "n_lower", "n_backchannel", "n_only_backchannel", "n_greeting", "n_thanks",
    "n_discourse", "n_conjunction", "n_praise", "n_sorry", "n_intro", "n_unmute", "n_question",
)


def boundary_features(texts: Sequence[str], starts: Sequence[float | None] | None, *,
                      facts: Sequence[tuple] | None = None) -> np.ndarray:
    """One row per boundary (``len(texts) - 1`` rows): row ``i`` is between line ``i`` and ``i+1``.
    ``facts`` are the lines' ``line_facts`` when the caller has them already."""
    count = len(texts)
    columns = {name: np.zeros(max(count - 1, 0)) for name in FEATURES}
    if count < 2:
        return np.zeros((0, len(FEATURES)))
    lines = facts if facts is not None else [line_facts(text) for text in texts]
    facts = np.array([line[:-1] for line in lines], dtype=float)   # numeric facts per line
    words = facts[:, 0]
    before, after = facts[:-1], facts[1:]
    columns["p_len"] = np.log1p(before[:, 0]) / 3
    columns["p_short"] = (before[:, 0] <= 3).astype(float)
    columns["p_no_stop"] = 1 - before[:, 1]
    columns["p_trailing"] = before[:, 2]
    columns["p_question"] = before[:, 3]
    columns["p_you_question"] = before[:, 3] * before[:, 4]
    columns["p_closing"] = before[:, 5]
    columns["p_handover"] = before[:, 6]
    columns["n_len"] = np.log1p(after[:, 0]) / 3
    columns["n_short"] = (after[:, 0] <= 3).astype(float)
    columns["n_question"] = after[:, 3]
    first_words = [line[-1] for line in lines[1:]]
    for name, group in (("n_backchannel", _BACKCHANNEL), ("n_greeting", _GREETING), ("n_thanks", _THANKS),
                        ("n_discourse", _DISCOURSE), ("n_conjunction", _CONJUNCTION), ("n_praise", _PRAISE)):
        columns[name] = np.fromiter((word in group for word in first_words), dtype=float, count=count - 1)
    columns["n_sorry"] = np.fromiter((word == "sorry" for word in first_words), dtype=float, count=count - 1)
    columns["n_only_backchannel"] = columns["n_backchannel"] * columns["n_short"]
    columns["n_lower"] = after[:, 7]
    columns["n_intro"] = after[:, 8]
    columns["n_unmute"] = after[:, 9]
    if starts is not None and all(start is not None for start in starts):
        _time_columns(columns, np.asarray(starts, dtype=float), words)
    return np.column_stack([columns[name] for name in FEATURES])


def line_facts(text: str) -> tuple:
    """What one line says on its own: words, ends with a stop, trails off, asks, says "you",
    closes, hands over, opens lower-case, introduces someone, unmute chatter, first word."""
    stripped = text.strip()
    words = stripped.split()
    last = stripped[-1:] if stripped else ""
    lowered = stripped.lower()
    match = _FIRST_WORD.match(lowered.lstrip("\"'([-–— "))
    first = match.group(0) if match else ""
    return (len(words), last in ".!?", stripped.endswith(("…", "--", "...", "-", "—")), last == "?",
            " you" in f" {lowered}" or " your" in f" {lowered}", _CLOSING.search(stripped[-40:]) is not None,
            _HANDOVER.search(stripped) is not None, stripped[:1].islower(),
            _INTRO.search(stripped[:80]) is not None, _UNMUTE.search(stripped) is not None, first)


def _time_columns(columns: dict[str, np.ndarray], starts: np.ndarray, words: np.ndarray) -> None:
    # Captions carry the clock of a line's start only: the gap to the next start minus the time
    # the words take is the pause ("slack"). Files differ in pace, so ranks and a robust z-score
    # within the file carry the signal, not seconds.
    gap = np.diff(starts)
    slack = gap - words[:-1] / WORDS_PER_SECOND
    columns["t_gap_rank"] = _rank(gap) - 0.5
    columns["t_slack_rank"] = _rank(slack) - 0.5
    median = np.median(slack)
    spread = np.median(np.abs(slack - median))
    columns["t_slack_z"] = np.clip((slack - median) / (spread + 1.0), -3, 5) / 3
    columns["t_backwards"] = (gap < 0).astype(float)
    columns["t_equal"] = (gap == 0).astype(float)
    columns["t_long_pause"] = (slack >= 3).astype(float)
    # The line after the boundary is itself out of order with the next one: someone speaking over.
    nxt = np.zeros_like(gap)
    nxt[:-1] = (gap[1:] < 0).astype(float)
    columns["t_next_backwards"] = nxt


def _rank(values: np.ndarray) -> np.ndarray:
    """Each value's mid-rank within the file, from 0 to 1 (ties share their rank)."""
    if len(values) < 2:
        return np.full(len(values), 0.5)
    order = np.sort(values)
    low = np.searchsorted(order, values, side="left")
    high = np.searchsorted(order, values, side="right")
    return (low + high - 1) / 2 / (len(values) - 1)


#: Features of one line for the role model: is this line the main speaker's (the facilitator's)?
ROLE_FEATURES = ("r_len", "r_len_rank", "r_question", "r_you", "r_closing", "r_handover", "r_lower", "r_intro",
                 "r_we", "r_i", "r_you_rate", "r_lets", "r_our", "r_room", "r_backchannel", "r_thanks",
                 "r_discourse", "r_praise", "r_position")
_WORD = re.compile(r"[a-z']+")


def line_features(texts: Sequence[str], *, facts: Sequence[tuple] | None = None) -> np.ndarray:
    """One row per line (``ROLE_FEATURES``): how it is said, not who says it."""
    count = len(texts)
    if count == 0:
        return np.zeros((0, len(ROLE_FEATURES)))
    rows = np.zeros((count, len(ROLE_FEATURES)))
    lengths = np.array([len(text.split()) for text in texts], dtype=float)
    rows[:, 1] = _rank(lengths) - 0.5
    rows[:, 18] = np.arange(count) / max(count - 1, 1) - 0.5
    for index, text in enumerate(texts):
        own = facts[index] if facts is not None else line_facts(text)
        words = _WORD.findall(text.lower())
        size = max(len(words), 1)
        tally: dict[str, int] = {}
        for word in words:
            tally[word] = tally.get(word, 0) + 1
        first = own[-1]
        rows[index, 0] = np.log1p(own[0]) / 3
        rows[index, 2:8] = own[3], own[4], own[5], own[6], own[7], own[8]
        rows[index, 8] = tally.get("we", 0) / size * 5
        rows[index, 9] = tally.get("i", 0) / size * 5
        rows[index, 10] = (tally.get("you", 0) + tally.get("your", 0)) / size * 5
        rows[index, 11] = "let's" in tally
        rows[index, 12] = tally.get("our", 0) / size * 5
        rows[index, 13] = any(word in tally for word in ("guys", "everyone", "everybody", "folks"))
        rows[index, 14:18] = first in _BACKCHANNEL, first in _THANKS, first in _DISCOURSE, first in _PRAISE
    return rows


@dataclass(frozen=True, slots=True)
class ChangeModel:
    """The shipped model: logistic weights over ``FEATURES`` (a change before a line) and the
    threshold chosen leave-one-file-out; logistic weights over ``ROLE_FEATURES`` (a line is the
    main speaker's); and how the two are combined into who holds the floor (``floor``)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    role_weights: tuple[float, ...] = ()
    role_intercept: float = 0.0
    #: How much a line's role evidence counts against the change evidence (0: not at all).
    role_scale: float = 0.5
    #: The chance that a change from a participant goes back to the facilitator, not to another participant.
    return_rate: float = 1.0
    about: dict[str, Any] | None = None

    def probabilities(self, texts: Sequence[str], starts: Sequence[float | None] | None, *,
                      facts: Sequence[tuple] | None = None) -> np.ndarray:
        """The probability of a speaker change before each line (index 0 is always 0)."""
        rows = boundary_features(texts, starts, facts=facts)
        if tuple(self.features) != FEATURES:
            index = [FEATURES.index(name) for name in self.features]
            rows = rows[:, index]
        scores = rows @ np.asarray(self.weights) + self.intercept
        return np.concatenate([[0.0], 1 / (1 + np.exp(-scores))])

    def role_scores(self, texts: Sequence[str], *, facts: Sequence[tuple] | None = None) -> np.ndarray:
        """Per line, the log-odds that the main speaker says it (zero without role weights)."""
        if not self.role_weights:
            return np.zeros(len(texts))
        return line_features(texts, facts=facts) @ np.asarray(self.role_weights) + self.role_intercept

    def floor(self, texts: Sequence[str], starts: Sequence[float | None] | None) -> tuple[np.ndarray, np.ndarray]:
        """Change probabilities and, per line, whether the main speaker (0) or a participant (1)
        most likely holds the floor: the best path through the two states, where a change
        switches state (from a participant back to the main speaker at ``return_rate``) and
        each line's role evidence, scaled by ``role_scale``, favours one state."""
        facts = [line_facts(text) for text in texts]
        change = self.probabilities(texts, starts, facts=facts)
        return change, viterbi(change, self.role_scale * self.role_scores(texts, facts=facts), self.return_rate)

    def to_json(self) -> str:
        data = {"features": list(self.features), "weights": [round(w, 6) for w in self.weights],
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4),
                "role_features": list(ROLE_FEATURES), "role_weights": [round(w, 6) for w in self.role_weights],
                "role_intercept": round(self.role_intercept, 6), "role_scale": self.role_scale,
                "return_rate": self.return_rate, "about": self.about or {}}
        return json.dumps(data, indent=1) + "\n"


#: How much more likely the first line is the main speaker's than a participant's (log-odds).
FIRST_VOICE_LOG_ODDS = 2.0


def viterbi(change: np.ndarray, evidence: np.ndarray, return_rate: float) -> np.ndarray:
    """The most likely states (0 main speaker, 1 participant) given the change probability
    before each line and each line's log-odds for the main speaker."""
    count = len(evidence)
    states = np.zeros(count, dtype=np.int8)
    if count == 0:
        return states
    q = np.clip(np.asarray(change, dtype=float), 1e-6, 1 - 1e-6)
    stay = np.log(1 - q)
    switch = np.log(q)
    back_home = np.log(q * return_rate + 1e-12)
    keep_out = np.log(1 - q + q * (1 - return_rate) + 1e-12)
    # The first voice is taken to be the main speaker, as the rules take it to hold the floor.
    main, other = float(evidence[0]) + FIRST_VOICE_LOG_ODDS, 0.0
    from_other_main = np.zeros(count, dtype=bool)  # the best way into "main" came from "other"
    from_main_other = np.zeros(count, dtype=bool)  # the best way into "other" came from "main"
    gain = evidence.tolist()
    stay_l, switch_l, home_l, out_l = stay.tolist(), switch.tolist(), back_home.tolist(), keep_out.tolist()
    for index in range(1, count):
        to_main = (main + stay_l[index], other + home_l[index])
        to_other = (main + switch_l[index], other + out_l[index])
        from_other_main[index] = to_main[1] > to_main[0]
        from_main_other[index] = to_other[0] > to_other[1]
        main, other = max(to_main) + gain[index], max(to_other)
    state = 0 if main >= other else 1
    for index in range(count - 1, -1, -1):
        states[index] = state
        if index and ((state == 0 and from_other_main[index]) or (state == 1 and from_main_other[index])):
            state = 1 - state
    return states


def load_change_model(path: str | Path | None = None) -> ChangeModel:
    """The shipped model (``models/speaker_change.json``) or one at ``path``."""
    file = Path(path) if path is not None else Path(str(files("transcript_lens.models") / "speaker_change.json"))
    data = json.loads(file.read_text(encoding="utf-8"))
    return ChangeModel(features=tuple(data["features"]), weights=tuple(data["weights"]),
                       intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                       role_weights=tuple(data.get("role_weights", ())),
                       role_intercept=float(data.get("role_intercept", 0.0)),
                       role_scale=float(data.get("role_scale", 0.0)), return_rate=float(data.get("return_rate", 1.0)),
                       about=data.get("about"))
