"""The training-curve picture drawn from log.csv: whole-number epoch ticks from 1, and a
picture written whole or not at all."""

from __future__ import annotations

import pytest

from facial_emotion.evaluation import plots
from facial_emotion.training.checkpoints import LOG_FIELDS


def write_log(path, epochs: int) -> None:
    rows = [f"{n},{0.3 + n / 100},{2 - n / 10},{0.25 + n / 100},{2.1 - n / 10},0.01"
            for n in range(1, epochs + 1)]
    path.write_text("\n".join([",".join(LOG_FIELDS), *rows]) + "\n")


@pytest.fixture
def kept_figures(monkeypatch):
    """The figures the plot functions make, kept open for inspection."""
    figures, close = [], plots.plt.close
    monkeypatch.setattr(plots.plt, "close", figures.append)
    yield figures
    for figure in figures:
        close(figure)


@pytest.mark.parametrize("epochs", [1, 3, 7])
def test_epoch_ticks_are_whole_numbers_from_1(tmp_path, kept_figures, epochs):
    write_log(tmp_path / "log.csv", epochs)

    plots.plot_training_curves(tmp_path / "log.csv", tmp_path / "training_curves.png")

    assert (tmp_path / "training_curves.png").stat().st_size > 0
    (figure,) = kept_figures
    for ax in figure.axes:
        shown = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert shown and all(float(t).is_integer() for t in shown), shown
        assert list(ax.lines[0].get_xdata()) == list(range(1, epochs + 1))


def test_a_failed_save_leaves_no_picture(tmp_path, monkeypatch):
    write_log(tmp_path / "log.csv", 2)

    def full_disk(self, path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots.plt.Figure, "savefig", full_disk)
    with pytest.raises(OSError, match="No space left on device") as excinfo:
        plots.plot_training_curves(tmp_path / "log.csv", tmp_path / "training_curves.png")
    assert excinfo.value.filename == str(tmp_path / "training_curves.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]
