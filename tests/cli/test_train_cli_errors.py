"""train_emotion_classifier.py turns the user's mistakes into one line on stderr and exit code 2."""

from __future__ import annotations

import json

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
        return ["--resume", *out], [str(tmp / "run"), "nothing to resume", "--overwrite"]
    if case == "label weight without votes":
        return (["--data", str(good_csv), "--label-weight", "0.5", *out],
                [str(good_csv), "label weight of 0.5", "--ferplus"])
    if case == "resume without a run":
        return ["--resume", *out], [str(tmp / "run"), "config.json", "without --resume"]
    if case == "out is the root":
        return ["--data", str(good_csv), "--out", "/"], ["--out /", "root of the filesystem"]
    if case == "out inside the data":
        return (["--data", str(tmp / "good"), "--out", str(tmp / "good" / "train" / "run")],
                ["inside the dataset's folder", str(tmp / "good")])
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
    ("label weight without votes", False),
    ("out is the root", False),
    ("out inside the data", False),
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
    # A failed run leaves no lock, and no folder it made (the README's first command, with
    # the data missing, left runs/mini_xception/.lock behind).
    assert not (tmp_path / "run" / ".lock").exists()
    if "--resume" not in argv:
        assert not (tmp_path / "run").exists()
        assert not (tmp_path / "good" / "train").exists()


@pytest.mark.parametrize("argv, fragment", [
    pytest.param(["--epochs", "0"], "epochs", id="zero epochs"),
    pytest.param(["--batch-size", "0"], "--batch-size", id="zero batch size"),
    pytest.param(["--class-weight", "heavy"], "heavy", id="unknown class weight"),
    pytest.param(["--epochs", "ten"], "ten", id="epochs not a number"),
    pytest.param(["--label-weight", "1.5"], "--label-weight", id="label weight above 1"),
    pytest.param(["--recall-floor", "1"], "--recall-floor", id="recall floor of 1"),
    pytest.param(["--seed", "-1"], "--seed", id="negative seed"),
    pytest.param(["--seed", str(2 ** 32)], "--seed", id="seed too large"),
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


# --- a damaged or busy run folder: which file, and what to do -------------------------------

@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    """An untrained classifier saved as a run saves its epochs: compiled, optimizer included."""
    import keras

    from facial_emotion.model import build_classifier, build_mini_xception, save_atomically

    model = build_classifier(build_mini_xception(l2=0))
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
                  "categorical_crossentropy", metrics=["accuracy"])
    path = tmp_path_factory.mktemp("checkpoint") / "epoch_001.keras"
    save_atomically(model, path)
    return path.read_bytes()


def write_run(run, data, checkpoint: bytes, *, state=None, config=None) -> None:
    """A run folder after one epoch, as train() leaves it; `state`/`config` replace those files."""
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "epoch_001.keras").write_bytes(checkpoint)
    # label_weight 1: the synthetic faces have no FER+ votes.
    TrainConfig(data=str(data), out=str(run), epochs=2, batch_size=8,
                label_weight=1.0).save(run / "config.json")
    (run / "state.json").write_text(state if state is not None else json.dumps(
        {"epochs_done": 1, "best": 0.25, "best_epoch": 1, "monitor": "val_accuracy",
         "seconds": 1.0, "data_sha256": None}))
    (run / "log.csv").write_text("epoch,accuracy,loss,val_accuracy,val_loss,learning_rate\n"
                                 "1,0.2,1.9,0.25,1.9,0.001\n")
    if config is not None:
        (run / "config.json").write_text(config)


def files_in(run) -> dict:
    return {p: p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}


def config_text(**changes) -> str:
    fields = json.loads(json.dumps(TrainConfig(epochs=2, label_weight=1.0).__dict__, default=str))
    return json.dumps({**fields, **changes})


# case: (the run folder's damage, extra options, the file the error must name, fragments)
DAMAGE = {
    "state.json empty": (dict(state=""), [], "state.json", ["damaged", "--overwrite"]),
    "state.json cut short": (dict(state='{"epochs_done": 1, "be'), [], "state.json",
                             ["damaged", "--overwrite"]),
    "state.json with 0 epochs": (dict(state='{"epochs_done": 0, "best": 0, "best_epoch": 0}'),
                                 [], "state.json", ["damaged"]),
    "state.json naming a missing file": (
        dict(state='{"epochs_done": 2, "best": 0.3, "best_epoch": 2}'), [], "state.json",
        ["checkpoints/epoch_002.keras", "missing", "--overwrite"]),
    "config.json cut short": (dict(config=config_text()[:50]), [], "config.json",
                              ["damaged", "--overwrite"]),
    "config.json with an unknown key": (dict(config=config_text(colour="red")), [],
                                        "config.json", ["unknown setting", "colour"]),
    "config.json with 0 epochs": (dict(config=config_text(epochs=0)), [], "config.json",
                                  ["damaged", "epochs > 0", "--overwrite"]),
    "last checkpoint cut short": (dict(checkpoint="half"), [], "checkpoints/epoch_001.keras",
                                  ["damaged", "cannot resume", "--overwrite"]),
    "last checkpoint empty": (dict(checkpoint="empty"), [], "checkpoints/epoch_001.keras",
                              ["empty", "--overwrite"]),
    "different data": (dict(state=json.dumps({"epochs_done": 1, "best": 0.25, "best_epoch": 1,
                                              "data_sha256": "0" * 64})), [], "fer2013.csv",
                       ["different data", "original data"]),
    "a new run into a finished one": ({}, ["new run"], "", ["already holds a run",
                                                            "--resume", "--overwrite"]),
    "a folder in use": ({}, ["locked"], "", ["in use by process", "another --out"]),
    "--overwrite over a file the run did not write": (
        dict(foreign="checkpoints/resnet50_final.pt"), ["new run", "--overwrite"], "",
        ["did not write (checkpoints/resnet50_final.pt)", "only a run's own files"]),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_or_busy_run_folder_is_one_line(tmp_path, capsys, fer_csv, fer_rows,
                                                  checkpoint_bytes, case):
    from facial_emotion.training.run_folder import locked

    damage, extra, named, fragments = DAMAGE[case]
    data = fer_csv(tmp_path / "fer2013.csv", fer_rows({"Training": 14, "PublicTest": 7,
                                                       "PrivateTest": 7}))
    run = tmp_path / "run"
    checkpoint = {"half": checkpoint_bytes[:len(checkpoint_bytes) // 2], "empty": b""}.get(
        damage.get("checkpoint"), checkpoint_bytes)
    write_run(run, data, checkpoint, state=damage.get("state"), config=damage.get("config"))
    if "foreign" in damage:
        (run / damage["foreign"]).write_bytes(b"someone else's weights")
    before = files_in(run)
    argv = (["--data", str(data), "--out", str(run)] if "new run" in extra
            else ["--resume", "--out", str(run)]) + [x for x in extra if x.startswith("--")]

    if "locked" in extra:
        with locked(run):
            rc = main(argv)
    else:
        rc = main(argv)

    captured = capsys.readouterr()
    assert rc == 2
    assert "Traceback" not in captured.err
    last = captured.err.splitlines()[-1]
    assert [line for line in captured.err.splitlines() if "error" in line.lower()] == [last]
    assert last.startswith(PREFIX)
    assert str(data if named == "fer2013.csv" else run / named if named else run) in last, last
    for fragment in fragments:
        assert fragment in last, last
    assert files_in(run) == before  # nothing changed, nothing deleted
    assert not (run / ".lock").exists() or "locked" in extra  # the other holder's


@pytest.fixture(scope="module")
def model_only_bytes(tmp_path_factory) -> bytes:
    """A classifier saved without an optimizer, as the shipped model is: not a checkpoint."""
    from facial_emotion.model import build_classifier, build_mini_xception, save_atomically

    path = tmp_path_factory.mktemp("model_only") / "epoch_001.keras"
    save_atomically(build_classifier(build_mini_xception(l2=0)), path)
    return path.read_bytes()


# (the checkpoint: with SGD state or none; what config.json says; fragments of the line)
@pytest.mark.parametrize("checkpoint, optimizer, fragments", [
    ("model only", "sgd", ["holds no optimizer state", "--overwrite"]),
    ("sgd", "adam", ["trained with optimizer 'sgd'", "says 'adam'", "put 'sgd' back"]),
], ids=["no optimizer state", "optimizer switched in config.json"])
def test_a_checkpoint_that_cannot_resume_the_run_is_one_line(
        tmp_path, capsys, fer_csv, fer_rows, checkpoint_bytes, model_only_bytes, checkpoint,
        optimizer, fragments):
    data = fer_csv(tmp_path / "fer2013.csv", fer_rows({"Training": 14, "PublicTest": 7,
                                                       "PrivateTest": 7}))
    run = tmp_path / "run"
    write_run(run, data, model_only_bytes if checkpoint == "model only" else checkpoint_bytes,
              config=config_text(data=str(data), out=str(run), batch_size=8,
                                 optimizer=optimizer))
    before = files_in(run)
    before.pop(run / "config.json")

    rc = main(["--resume", "--out", str(run)])

    line = one_error_line(rc, capsys.readouterr())
    assert line.startswith(f"{PREFIX} {run / 'checkpoints' / 'epoch_001.keras'}")
    for fragment in fragments:
        assert fragment in line, line
    after = files_in(run)
    after.pop(run / "config.json")
    assert after == before


# --- full and read-only filesystems ---------------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path):
    """Factory: tmpfs(size, read_only=False) mounts a small filesystem and returns its path.
    Needs root (and a kernel that lets this container mount); skips otherwise."""
    import os
    import subprocess

    mounted = []

    def mount(size: str, read_only: bool = False):
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root")
        point = tmp_path / f"fs{len(mounted)}"
        point.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def one_error_line(rc, captured) -> str:
    assert rc == 2
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0] == captured.err.splitlines()[-1], captured.err
    return errors[0]


@pytest.mark.parametrize("read_only, named, cause", [
    (True, "", "cannot write there (Read-only file system)"),
    (False, "confusion_matrix.png", "No space left on device"),
], ids=["read-only", "full"])
def test_evaluate_into_a_full_or_read_only_folder(tmp_path, capsys, fer_csv, fer_rows,
                                                  checkpoint_bytes, tmpfs, read_only, named,
                                                  cause):
    out = tmpfs("8k", read_only=read_only)  # room for the lock, not for a picture
    model = tmp_path / "model.keras"
    model.write_bytes(checkpoint_bytes)
    data = fer_csv(tmp_path / "fer2013.csv", fer_rows({"Training": 7, "PublicTest": 7,
                                                       "PrivateTest": 7}))

    rc = main(["--evaluate", str(model), "--data", str(data), "--out", str(out)])

    line = one_error_line(rc, capsys.readouterr())
    assert line == f"{PREFIX} {out / named if named else out}: {cause}"
    assert sorted(p.name for p in out.iterdir()) == []


def test_training_into_a_read_only_folder(tmp_path, capsys, fer_csv, fer_rows, tmpfs):
    out = tmpfs("8k", read_only=True)
    data = fer_csv(tmp_path / "fer2013.csv", fer_rows({"Training": 7, "PublicTest": 7,
                                                       "PrivateTest": 7}))

    rc = main(["--data", str(data), "--out", str(out / "run")])

    line = one_error_line(rc, capsys.readouterr())
    assert line == f"{PREFIX} {out / 'run'}: cannot write there (Read-only file system)"


@pytest.mark.slow
def test_training_onto_a_full_disk_keeps_no_half_checkpoint(tmp_path, capsys, fer_csv, fer_rows,
                                                            tmpfs):
    out = tmpfs("64k")  # room for config.json, not for a checkpoint
    data = fer_csv(tmp_path / "fer2013.csv", fer_rows({"Training": 14, "PublicTest": 7,
                                                       "PrivateTest": 7}))

    rc = main(["--data", str(data), "--out", str(out), "--epochs", "1", "--batch-size", "8",
               "--swa-epochs", "0", "--label-weight", "1"])

    line = one_error_line(rc, capsys.readouterr())
    assert line == f"{PREFIX} {out / 'checkpoints' / 'epoch_001.keras'}: No space left on device"
    # No epoch was committed, so the run leaves the folder as it found it.
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == []
