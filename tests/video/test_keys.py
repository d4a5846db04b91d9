"""FaceKeys: key codes to requests. Digits pick a face by its on-screen id, also above 9."""

from __future__ import annotations

import pytest

from facial_emotion.video import FaceKeys, Quit, Select


def press(keys: FaceKeys, presses):
    """presses: (key, time) pairs; a key may be a character or a code."""
    return [keys.update(ord(k) if isinstance(k, str) else k, t) for k, t in presses]


@pytest.mark.parametrize("presses, expected", [
    ([(-1, 0.0)], [None]),                                   # no key this frame
    ([("q", 0.0)], [Quit()]),
    ([("Q", 0.0)], [Quit()]),
    ([(27, 0.0)], [Quit()]),                                 # Esc
    ([("x", 0.0), (" ", 0.1)], [None, None]),                # other keys mean nothing
    ([("1", 0.0)], [Select(1)]),
    ([("3", 0.0)], [Select(3)]),
    ([("0", 0.0)], [Select(None)]),                          # back to the largest face
    ([("1", 0.0), ("2", 0.5)], [Select(1), Select(12)]),     # quick digits make one id
    ([("1", 0.0), ("2", 1.5)], [Select(1), Select(2)]),      # a pause starts a new one
    ([("1", 0.0), ("0", 0.5)], [Select(1), Select(10)]),
    ([("0", 0.0), ("5", 0.2)], [Select(None), Select(5)]),   # a leading 0 is not kept
    ([("1", 0.0), ("x", 0.1), ("2", 0.2)], [Select(1), None, Select(12)]),
    ([("1", 0.0), ("q", 0.1), ("2", 0.2)], [Select(1), Quit(), Select(2)]),
    ([("1", 0.0), ("2", 0.1), ("3", 0.2), ("4", 0.3), ("5", 0.4)],
     [Select(1), Select(12), Select(123), Select(1234), Select(5)]),  # at most 4 digits
    ([(0x10000 | ord("2"), 0.0)], [Select(2)]),              # only the low byte counts
])
def test_keys(presses, expected):
    assert press(FaceKeys(digit_timeout_s=1.0), presses) == expected


def test_reset_forgets_typed_digits():
    keys = FaceKeys()
    keys.update(ord("1"), 0.0)
    keys.reset()
    assert keys.update(ord("2"), 0.1) == Select(2)


@pytest.mark.parametrize("kwargs, message", [
    ({"digit_timeout_s": -1}, "digit_timeout_s"),
    ({"max_digits": 0}, "max_digits"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FaceKeys(**kwargs)
