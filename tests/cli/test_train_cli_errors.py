"""train_emotion_classifier.py turns the user's mistakes into one line on stderr and exit code 2."""

from __future__ import annotations

import pytest

from facial_emotion.cli.train import main
from facial_emotion.runtime import cpu_flags
from facial_emotion.training import TrainConfig

pytestmark = pytest.mark.usefixtures("restore_logging")

PREFIX = "train_emotion_classifier.py: error:"
GOOD = " ".join(["128"] * 48 * 48)


@pytest.fixture(autouse=True)
def quiet_onednn_notice(monkeypatch):
    """On an AVX-512 CPU the first CLI call in a process logs that it caps oneDNN at AVX2.

    Setting the cap beforehand, as the CLI itself would, keeps that notice out of the
    stderr these tests count lines of.
    """
    if "avx512f" in cpu_flags():
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")


def make_case(case: str, tmp, fer_csv, fer_rows) -> tuple[list[str], list[str]]:
    """(argv, what the error line must say) for one kind of mistake, files made under tmp."""
    out = ["--out", str(tmp / "run")]
    good_csv = tmp / "good" / "fer2013.csv"
    fer_csv(good_csv, fer_rows({"Training": 7, "PublicTest": 7, "PrivateTest": 7}))
    if case == "missing data":
        return ["--data", str(tmp / "nowhere"), *out], [str(tmp / "nowhere"), "Kaggle", "fer2013/"]
    if case == "folder without data":
        (tmp / "empty").mkdir()
        return ["--data", str(tmp / "empty"), *out], [str(tmp / "empty"), "neither", "Kaggle"]
    if case == "bad row":
        path = fer_csv(tmp / "bad.csv", [(0, GOOD, "Training"), (1, GOOD, "Training"),
                                         (2, GOOD + " 12", "Training")])
        return ["--data", str(path), *out], [str(path), "line 4", "2305"]
    if case == "empty csv":
        path = fer_csv(tmp / "empty.csv", [], header=None)
        return ["--data", str(path), *out], [str(path), "empty"]
    if case == "evaluate missing model":
        model = tmp / "no.keras"
        return ["--evaluate", str(model), "--data", str(good_csv), *out], [str(model), "not found"]
    if case == "evaluate non-model":
        model = tmp / "notes.keras"
        model.write_text("not a model")
        return ["--evaluate", str(model), "--data", str(good_csv), *out], [str(model), "Keras"]
    if case == "resume without checkpoints":
        (tmp / "run").mkdir()
        TrainConfig(data=str(good_csv), out=str(tmp / "run"), epochs=1).save(tmp / "run" / "config.json")
        return ["--resume", *out], [str(tmp / "run"), "nothing to resume", "last.keras"]
    if case == "resume without a run":
        return ["--resume", *out], [str(tmp / "run"), "config.json"]
    raise AssertionError(case)


# (case, whether progress lines may come first: a resume loads the data before the checkpoint)
@pytest.mark.parametrize("case, progress_first", [
    ("missing data", False),
    ("folder without data", False),
    ("bad row", False),
    ("empty csv", False),
    ("evaluate missing model", False),
    ("evaluate non-model", False),
    ("resume without checkpoints", True),
    ("resume without a run", False),
])
def test_mistakes_print_one_line_and_exit_2(tmp_path, capsys, fer_csv, fer_rows, case,
                                            progress_first):
    argv, fragments = make_case(case, tmp_path, fer_csv, fer_rows)

    rc = main(argv)

    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert rc == 2
    assert "Traceback" not in captured.err
    if not progress_first:
        assert len(lines) == 1, captured.err
    assert [line for line in lines if "error" in line.lower()] == lines[-1:], captured.err
    assert lines[-1].startswith(PREFIX)
    for fragment in fragments:
        assert fragment in lines[-1]
    assert captured.out == ""


@pytest.mark.parametrize("argv, fragment", [
    pytest.param(["--epochs", "0"], "epochs", id="zero epochs"),
    pytest.param(["--batch-size", "0"], "batch size", id="zero batch size"),
    pytest.param(["--class-weight", "heavy"], "heavy", id="unknown class weight"),
    pytest.param(["--epochs", "ten"], "ten", id="epochs not a number"),
])
def test_bad_options_are_usage_errors(tmp_path, capsys, argv, fragment):
    with pytest.raises(SystemExit) as excinfo:
        main([*argv, "--data", str(tmp_path / "unused"), "--out", str(tmp_path / "run")])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith(PREFIX) and fragment in last
    assert not (tmp_path / "run").exists()  # nothing is written before the options are checked
