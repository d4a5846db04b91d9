"""What a key press in the window asks the loop to do: stop, or show another face's bars.

The window only reports requests; the loop owns the state they change (which face is
selected), so the same selection reaches every annotator and sink through FrameResult.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quit:
    """Stop after the current frame (q, Q or Esc; or the window was closed)."""


@dataclass(frozen=True)
class Select:
    """Show the bars of the face with this track id; None: the largest face."""

    track_id: int | None


@dataclass(frozen=True)
class Next:
    """Go on to the next source (any other key on a still image; the last source ends the
    run)."""


Request = Quit | Select | Next

QUIT_KEYS = frozenset({ord("q"), ord("Q"), 27})  # 27: Esc


class FaceKeys:
    """Turns key codes into requests. Digits select a face by the id shown on screen.

    Digits typed within `digit_timeout_s` of each other make one number, so ids above 9
    can be picked (1 then 2 selects #12); each digit takes effect at once, so a single
    digit needs no confirmation. 0 as the first digit goes back to the largest face.
    max_digits: longer numbers start again from the newest digit.
    """

    def __init__(self, digit_timeout_s: float = 1.0, max_digits: int = 4):
        if not digit_timeout_s >= 0:
            raise ValueError(f"expected digit_timeout_s >= 0, got {digit_timeout_s}")
        if max_digits < 1:
            raise ValueError(f"expected max_digits >= 1, got {max_digits}")
        self.digit_timeout_s, self.max_digits = digit_timeout_s, max_digits
        self.reset()

    def reset(self) -> None:
        self._typed = ""
        self._last_digit_s: float | None = None

    def update(self, key: int, now: float) -> Request | None:
        """The request for key code `key` (as cv2.waitKey returns it; -1: no key) pressed at
        time `now` in seconds, or None when the key means nothing."""
        if key < 0:
            return None
        key &= 0xFF
        if key in QUIT_KEYS:
            self.reset()
            return Quit()
        if not ord("0") <= key <= ord("9"):
            return None
        digit = chr(key)
        recent = (self._last_digit_s is not None
                  and now - self._last_digit_s <= self.digit_timeout_s)
        typed = self._typed + digit if recent and self._typed else digit
        if len(typed) > self.max_digits:
            typed = digit
        self._last_digit_s = now
        if int(typed) == 0:
            self._typed = ""  # "0" then "5" is #5, not #05
            return Select(None)
        self._typed = typed
        return Select(int(typed))
