"""Scores against the FER+ raters: majority accuracy, agreement and cross-entropy, on the
images the FER+ protocol scores."""

from __future__ import annotations

import numpy as np
import pytest

from facial_emotion.data import Split
from facial_emotion.evaluation.metrics import vote_scores
from facial_emotion.evaluation.report import Evaluation, evaluate_probabilities, format_table
from facial_emotion.labels import EMOTIONS

VOTES = np.array([
    [0, 0, 0, 8, 0, 0, 2, 0, 0, 0],   # happy 8 of 10
    [0, 0, 0, 0, 5, 0, 3, 0, 2, 0],   # sad 5 of 8 class votes
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 10],  # not a face: not scored
    [5, 0, 0, 5, 0, 0, 0, 0, 0, 0],   # a tie: not scored
], np.uint8)
LABELS = np.array([3, 4, 0, 0])


def probabilities(*tops):
    probs = np.full((len(tops), 7), 0.05)
    probs[np.arange(len(tops)), tops] = 0.7
    return probs


@pytest.mark.parametrize("tops, accuracy, agreement", [
    pytest.param((3, 4, 0, 0), 1.0, (0.8 + 5 / 8) / 2, id="both majorities"),
    pytest.param((6, 6, 0, 0), 0.0, (0.2 + 3 / 8) / 2, id="neutral twice"),
    pytest.param((3, 0, 5, 5), 0.5, (0.8 + 0) / 2, id="one right, one no rater chose"),
])
def test_majority_accuracy_and_agreement(tops, accuracy, agreement):
    scores = vote_scores(probabilities(*tops), VOTES, LABELS)
    assert scores.n == 2
    assert scores.majority_accuracy == pytest.approx(accuracy)
    assert scores.agreement == pytest.approx(agreement)


def test_cross_entropy_is_against_the_vote_distribution():
    probs = probabilities(3, 4, 0, 0)
    scores = vote_scores(probs, VOTES, LABELS)
    expected = -(0.8 * np.log(0.7) + 0.2 * np.log(0.05) + 5 / 8 * np.log(0.7) + 3 / 8 * np.log(0.05)) / 2
    assert scores.cross_entropy == pytest.approx(expected)
    perfect = np.zeros((4, 7))
    perfect[0, [3, 6]] = [0.8, 0.2]
    perfect[1, [4, 6]] = [5 / 8, 3 / 8]
    assert vote_scores(perfect, VOTES, LABELS).cross_entropy < scores.cross_entropy


def test_evaluation_reports_votes_plain_and_flip_averaged():
    split = Split(np.zeros((4, 48, 48, 1), np.uint8), LABELS, VOTES)
    plain, flipped = probabilities(3, 4, 0, 0), probabilities(6, 6, 0, 0)
    ev = evaluate_probabilities(plain, (plain + flipped) / 2, split, EMOTIONS)
    report = ev.as_dict()
    assert report["ferplus"]["majority_accuracy"] == 1.0
    assert report["ferplus_flip_averaged"]["n"] == 2
    assert "FER+ raters (n=2)" in format_table(ev, "test")


def test_without_votes_there_is_no_ferplus_entry():
    split = Split(np.zeros((4, 48, 48, 1), np.uint8), LABELS)
    ev = evaluate_probabilities(probabilities(3, 4, 0, 0), probabilities(3, 4, 0, 0), split,
                                EMOTIONS)
    assert isinstance(ev, Evaluation) and ev.votes is None
    assert "ferplus" not in ev.as_dict()
