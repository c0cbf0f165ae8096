"""The speaker-change detector: its features, the floor's path, and the shipped weights."""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pytest

from transcript_lens.change_detector import FEATURES, ROLE_FEATURES, ChangeModel, boundary_features, \
    line_features, load_change_model, viterbi

from .conftest import CORPUS


def column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, FEATURES.index(name)]


def test_boundary_features_read_the_clock_relative_to_the_file():
    texts = ["So today we will look at the plan for the whole term and what comes next",
             "yeah", "and then the second part of it", "Okay. Thanks, that helps."]
    starts = [0.0, 5.0, 4.0, 9.0]
    rows = boundary_features(texts, starts)
    assert rows.shape == (3, len(FEATURES))
    assert column(rows, "t_backwards").tolist() == [0, 1, 0]
    assert column(rows, "t_next_backwards").tolist() == [1, 0, 0]
    assert column(rows, "n_backchannel").tolist() == [1, 0, 1]
    assert column(rows, "n_only_backchannel").tolist() == [1, 0, 0]
    assert column(rows, "n_lower").tolist() == [1, 1, 0]
    assert column(rows, "n_conjunction").tolist() == [0, 1, 0]
    assert column(rows, "p_no_stop").tolist() == [1, 1, 1]
    # Ranks within the file, not seconds: the same file played twice as slowly reads the same.
    slow = boundary_features(texts, [2 * start for start in starts])
    assert np.allclose(column(rows, "t_gap_rank"), column(slow, "t_gap_rank"))


def test_a_file_without_times_has_no_timing_features():
    rows = boundary_features(["Hello there.", "Hi.", "So."], None)
    timing = [FEATURES.index(name) for name in FEATURES if name.startswith("t_")]
    assert not rows[:, timing].any()
    assert boundary_features(["only one line"], [0.0]).shape == (0, len(FEATURES))


def test_line_features_have_one_row_per_line():
    rows = line_features(["Let's all look at this together, everyone.", "I think so."])
    assert rows.shape == (2, len(ROLE_FEATURES))
    assert rows[0, ROLE_FEATURES.index("r_lets")] == 1 and rows[1, ROLE_FEATURES.index("r_lets")] == 0
    assert rows[0, ROLE_FEATURES.index("r_room")] == 1


def test_the_floor_path_follows_sure_changes_and_returns_to_the_main_speaker():
    change = np.array([0.0, 0.01, 0.99, 0.01, 0.99, 0.01, 0.01])
    assert viterbi(change, np.zeros(7), 1.0).tolist() == [0, 0, 1, 1, 0, 0, 0]
    assert viterbi(np.full(5, 0.01), np.zeros(5), 1.0).tolist() == [0] * 5
    # Strong evidence that every line is the main speaker's outweighs weak change evidence.
    assert viterbi(np.full(5, 0.6), np.full(5, 5.0), 1.0).tolist() == [0] * 5


def test_the_shipped_model_matches_the_features_of_this_code():
    data = json.loads((files("transcript_lens.models") / "speaker_change.json").read_text(encoding="utf-8"))
    assert tuple(data["features"]) == FEATURES and len(data["weights"]) == len(FEATURES)
    assert tuple(data["role_features"]) == ROLE_FEATURES and len(data["role_weights"]) == len(ROLE_FEATURES)
    model = load_change_model()
    assert 0 < model.threshold < 1
    # A reply opener after a long pause is more likely a change than a lower-case continuation
    # that follows without a pause.
    texts = ["We will start with the first question of the day.", "Yeah, I think so.",
             "and that is the second part", "of what we were saying."]
    probabilities = model.probabilities(texts, [0.0, 12.0, 14.0, 16.0])
    assert probabilities[0] == 0 and probabilities[1] > probabilities[3]


def test_a_model_with_no_role_weights_decides_by_changes_alone():
    model = ChangeModel(FEATURES, tuple([0.0] * len(FEATURES)), 5.0, 0.5)
    change, states = model.floor(["a", "b", "c"], None)
    assert change[0] == 0 and change[1] > 0.99 and states.tolist() == [0, 1, 0]


@pytest.mark.slow
def test_leave_one_file_out_on_a_subset_beats_the_baselines():
    """Re-run the cross-validation on every 4th training file: the detector must beat "a new
    speaker at every line" on change F1, for files it never saw."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not at {CORPUS}")
    from transcript_lens.train_speakers import change_f1, cross_validate, sessions

    subset = sessions()[::4]
    cv = cross_validate(subset)
    detector = [change_f1(s.changes, p >= m.threshold)[0] for s, m, p in zip(cv.sessions, cv.models, cv.probabilities)]
    every_line = [change_f1(s.changes, np.ones(len(s.changes), dtype=bool))[0] for s in subset]
    assert np.mean(detector) > np.mean(every_line) + 0.1
    assert np.mean(detector) >= 0.5


@pytest.mark.slow
def test_the_shipped_weights_are_what_the_training_script_gives():
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not at {CORPUS}")
    from transcript_lens.train_speakers import fit, role_rows, sessions, training_rows

    found = sessions()
    model = load_change_model()
    change = fit([training_rows(session) for session in found])
    role = fit([role_rows(session) for session in found], balanced=False)
    assert np.allclose(change[0], model.weights, atol=1e-3) and abs(change[1] - model.intercept) < 1e-3
    assert np.allclose(role[0], model.role_weights, atol=1e-3)
    assert model.about["files"] == len(found)
