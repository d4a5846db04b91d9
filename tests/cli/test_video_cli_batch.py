"""real_time_video.py on many sources (issue 25), end to end: real faces (tests/scenes.py)
found by YuNet, classified by the untrained model, in small clips and photos written here
(tests/batch/media.py).

Driven in-process through main(argv), but for the tests that need a process of their own
(kill -9) or start worker processes (--workers 2): those are marked slow.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

import facial_emotion.video
from facial_emotion.cli.video import main
from tests.batch.media import GOOD, clip, mixed_folder, photo
from tests.helpers_video import child_env, read_video
from tests.tmpfs import FILLER, full_disk

PREFIX = "real_time_video.py: error:"


@pytest.fixture
def media(tmp_path) -> Path:
    return mixed_folder(tmp_path / "in")


def run(env, sources, *more) -> int:
    """In this process: one worker (the default would start worker processes, which the
    monkeypatches of these tests do not reach) unless `more` asks for others."""
    workers = [] if "--workers" in more else ["--workers", "1"]
    return main(["--source", *map(str, sources), "--model", str(env.model), "--no-display",
                 *workers, *map(str, more)])


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_a_folder_gives_each_source_the_records_of_a_run_of_it_alone(video_cli_env, media,
                                                                   tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    code = run(video_cli_env, [media], "--csv", out / "f.csv", "--summary", out / "s.json")
    captured = capsys.readouterr()
    assert code == 1
    (failed,) = captured.err.splitlines()  # the damaged one, in one line
    assert failed.startswith(f"{media / 'broken.mp4'}: failed: ")
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [str(media / n) for n in GOOD]
    assert lines[-1].startswith(f"3 of 4 sources done; 1 failed ({media / 'broken.mp4'}); "
                                "1 other files skipped; ")
    rows = csv_rows(out / "f.csv")
    summary = json.loads((out / "s.json").read_text())
    assert summary["failed"] == [{"source": str(media / "broken.mp4"),
                                  "error": failed.split(": failed: ")[1]}]
    assert summary["skipped"] == [str(media / "notes.txt")]
    for n, name in enumerate(GOOD):
        alone = tmp_path / f"alone-{n}"
        alone.mkdir()
        assert run(video_cli_env, [media / name], "--csv", alone / "f.csv",
                   "--summary", alone / "s.json") == 0
        own = csv_rows(alone / "f.csv")
        assert own, f"no face found in {name}: the comparison would prove little"
        assert [row for row in rows if row["source"] == str(media / name)] == own
        assert summary["sources"][n] == json.loads((alone / "s.json").read_text())
    assert len(rows) == sum(len(csv_rows(tmp_path / f"alone-{n}" / "f.csv"))
                            for n in range(len(GOOD)))


def test_one_source_works_as_before(video_cli_env, media, tmp_path, capsys):
    """Files, not folders; a summary of its own; no batch state; its one summary line."""
    out = tmp_path / "out"
    out.mkdir()
    code = run(video_cli_env, [media / "walk.avi"], "--output", out / "a.avi", "--csv",
               out / "f.csv", "--summary", out / "s.json", "--timeline", out / "t.png")
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert len(captured.out.splitlines()) == 1 and " frames, " in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["a.avi", "f.csv", "s.json", "t.png"]
    assert len(read_video(out / "a.avi").frames) == 12
    assert set(json.loads((out / "s.json").read_text())) == {"source", "frames", "class_names",
                                                            "faces"}
    assert {row["source"] for row in csv_rows(out / "f.csv")} == {str(media / "walk.avi")}


def test_several_sources_write_one_file_each_into_folders(video_cli_env, tmp_path, capsys):
    """Named after each source; two sources with one stem do not overwrite each other."""
    clip(tmp_path / "day1" / "anna.avi", 8, (160, 120), 60)
    clip(tmp_path / "day2" / "anna.avi", 6, (160, 120), 60, seed=2)
    photo(tmp_path / "photos" / "bob.jpg", (240, 135), 60, 1)
    sources = [tmp_path / "day1", tmp_path / "day2", tmp_path / "photos" / "bob.jpg"]
    annotated, timelines, summary = tmp_path / "annotated", tmp_path / "tl", tmp_path / "s.json"
    code = run(video_cli_env, sources, "--output", annotated, "--timeline", timelines,
               "--summary", summary)
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in annotated.iterdir()) == ["bob.jpg", "day1_anna.avi",
                                                           "day2_anna.avi"]
    assert [len(read_video(annotated / name).frames)
            for name in ("day1_anna.avi", "day2_anna.avi")] == [8, 6]
    assert cv2.imread(str(annotated / "bob.jpg")).shape == (135, 240, 3)
    assert sorted(p.name for p in timelines.iterdir()) == ["bob.png", "day1_anna.png",
                                                           "day2_anna.png"]
    assert all(cv2.imread(str(p)) is not None for p in timelines.iterdir())
    document = json.loads(summary.read_text())
    assert [s["source"] for s in document["sources"]] == [
        str(tmp_path / "day1" / "anna.avi"), str(tmp_path / "day2" / "anna.avi"),
        str(tmp_path / "photos" / "bob.jpg")]
    assert [s["frames"] for s in document["sources"]] == [8, 6, 1]
    assert document["failed"] == [] and document["skipped"] == []


# name: (argv after --source given (media folder, tmp_path), what the one line says)
REFUSED = {
    "several sources in one window at once": (
        lambda m, t: [m, "--workers", "2"], "the window shows one source at a time"),
    "--output naming a file": (
        lambda m, t: [m, "--no-display", "--output", m / "notes.txt"],
        "with several sources --output names a folder"),
    "--resume without an output": (lambda m, t: [m, "--no-display", "--resume"],
                                   "--resume needs an output file or folder"),
    "--resume of one source": (
        lambda m, t: [m / "walk.avi", "--no-display", "--resume", "--csv", t / "f.csv"],
        "--resume continues a batch"),
    "--workers for one source": (lambda m, t: [m / "walk.avi", "--no-display", "--workers",
                                               "2"], "analyses several sources at once"),
    "annotated copies onto the sources": (
        lambda m, t: [m, "--no-display", "--output", m],
        "would replace the source {m}/broken.mp4 with its annotated copy"),
    "a csv onto a source": (lambda m, t: [m, "--no-display", "--csv", m / "walk.avi"],
                            "is the source {m}/walk.avi"),
    "a camera among files": (lambda m, t: ["0", m, "--no-display"],
                             "0 is a camera or stream: it runs on its own"),
    "a glob matching nothing": (lambda m, t: [m / "*.mkv", m, "--no-display"],
                                "no file matches"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_a_batch_refuses_is_one_line_before_any_work(video_cli_env, media, tmp_path,
                                                          capsys, case):
    build, message = REFUSED[case]
    before = sorted(tmp_path.rglob("*"))
    code = main(["--source", *map(str, build(media, tmp_path)), "--model",
                 str(video_cli_env.model)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    (line,) = captured.err.splitlines()
    message = message.replace("{m}", str(media)).replace("{t}", str(tmp_path))
    assert line.startswith(PREFIX) and message in line, line
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("source", ["{m}", "{m}/*"], ids=["folder", "glob"])
def test_output_folders_inside_the_sources_are_not_sources(video_cli_env, media, tmp_path,
                                                           capsys, source):
    """A second run over the same folder (or a resumed one) lists what the first did, not
    the annotated copies and timelines the first wrote into it."""
    source = source.replace("{m}", str(media))
    listed = []
    for n in range(2):
        code = run(video_cli_env, [source], "--recursive", "--output", media / "annotated",
                   "--timeline", media / "out" / "tl", "--csv", tmp_path / f"{n}.csv")
        assert code == 1  # the damaged video
        listed.append([line.split(":")[0] for line in capsys.readouterr().out.splitlines()[:-1]])
    assert len(list((media / "annotated").iterdir())) == len(GOOD)
    assert listed[0] == listed[1] and len(listed[0]) == len(GOOD)
    assert (tmp_path / "0.csv").read_bytes() == (tmp_path / "1.csv").read_bytes()


def test_a_batch_whose_sources_all_fail_still_writes_the_csv_header(video_cli_env, tmp_path,
                                                                    capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.mp4").write_bytes(b"not a video\n" * 50)
    (tmp_path / "in" / "cut.avi").write_bytes(b"RIFF" + bytes(100))
    code = run(video_cli_env, [tmp_path / "in"], "--csv", tmp_path / "f.csv", "--jsonl",
               tmp_path / "f.jsonl")
    captured = capsys.readouterr()
    assert code == 1 and len(captured.err.splitlines()) == 2
    assert captured.out.splitlines()[-1].startswith("0 of 2 sources done; 2 failed (")
    header = (tmp_path / "f.csv").read_text().splitlines()
    assert len(header) == 1 and header[0].startswith("source,frame,time_s,")
    assert (tmp_path / "f.jsonl").read_text() == ""


# --- stopped and resumed ----------------------------------------------------------------------

OUTPUT_FILES = ("f.csv", "f.jsonl", "s.json")


def outputs_args(folder: Path) -> list:
    return ["--csv", folder / "f.csv", "--jsonl", folder / "f.jsonl", "--summary",
            folder / "s.json", "--output", folder / "annotated"]


def outputs_of(folder: Path) -> dict:
    """What a batch run with `outputs_args(folder)` wrote: the data files' bytes, and each
    annotated file's frame count (its frames carry a measured-FPS reading: not compared)."""
    annotated = {p.name: cv2.imread(str(p)).shape if p.suffix in (".jpg", ".png") else
                 len(read_video(p).frames) for p in (folder / "annotated").iterdir()}
    return {"files": sorted(p.name for p in folder.iterdir()), "annotated": annotated,
            **{name: (folder / name).read_bytes() for name in OUTPUT_FILES}}


def uninterrupted(env, sources, folder: Path) -> dict:
    folder.mkdir()
    assert run(env, sources, *outputs_args(folder)) in (0, 1)
    return outputs_of(folder)


def state_of(folder: Path) -> Path:
    return folder / ".f.csv.facial_emotion-batch"


def assert_resume_finishes_as_uninterrupted(env, sources, out: Path, expected: dict, capsys):
    """A rerun without --resume is refused (state and outputs kept); with it, the outputs
    become those of an uninterrupted run and the state goes."""
    capsys.readouterr()
    state = state_of(out)
    parts = sorted((state / "parts").iterdir())
    assert run(env, sources, *outputs_args(out)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(PREFIX) and "add --resume to continue it" in line
    assert sorted((state / "parts").iterdir()) == parts
    assert run(env, sources, *outputs_args(out), "--resume") in (0, 1)
    assert not state.exists()
    assert outputs_of(out) == expected


@pytest.fixture
def long_media(tmp_path) -> Path:
    """in/: a clip, a longer clip, a photo and another clip, in that order."""
    folder = tmp_path / "in"
    clip(folder / "a.avi", 10, (192, 108), 70)
    clip(folder / "b.avi", 80, (192, 108), 60, seed=3)
    photo(folder / "c.jpg", (240, 135), 60, 2)
    clip(folder / "d.avi", 8, (192, 108), 70, enter_at=2)
    return folder


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_batch_keeps_the_finished_sources_and_resume_finishes_it(
        video_cli_env, long_media, tmp_path, monkeypatch, capsys, signum, code):
    expected = uninterrupted(video_cli_env, [long_media], tmp_path / "whole")
    real_run, runs = facial_emotion.video.run, []

    def signal_in_the_second_source(source, detect, *args, **kwargs):
        runs.append(source)
        if len(runs) == 2:
            frames = iter(range(99))

            def detect_then_signal(frame):  # Ctrl-C or kill at its 5th frame
                if next(frames) == 4:
                    os.kill(os.getpid(), signum)
                return detect(frame)
            return real_run(source, detect_then_signal, *args, **kwargs)
        return real_run(source, detect, *args, **kwargs)

    monkeypatch.setattr(facial_emotion.video, "run", signal_in_the_second_source)
    out = tmp_path / "out"
    out.mkdir()
    assert run(video_cli_env, [long_media], *outputs_args(out)) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.out.splitlines()[-1].endswith(
        "(interrupted: run it again with --resume to finish)")
    # the outputs hold the first source whole, and what was done of the second
    rows = csv_rows(out / "f.csv")
    whole = csv_rows(tmp_path / "whole" / "f.csv")
    first = str(long_media / "a.avi")
    assert [r for r in rows if r["source"] == first] == [r for r in whole if r["source"] == first]
    assert {r["source"] for r in rows} <= {first, str(long_media / "b.avi")}
    assert [r for r in rows if r["source"] != first] == [
        r for r in whole if r["source"] == str(long_media / "b.avi") and int(r["frame"]) < 4]
    assert len(json.loads((out / "s.json").read_text())["sources"]) == 2
    assert sorted(p.name for p in (state_of(out) / "parts").iterdir()) == ["000000.json"]
    monkeypatch.setattr(facial_emotion.video, "run", real_run)
    assert_resume_finishes_as_uninterrupted(video_cli_env, [long_media], out, expected, capsys)


def test_a_full_disk_mid_batch_stops_it_and_resume_finishes_it(video_cli_env, long_media,
                                                                 tmp_path, monkeypatch, capsys):
    """The disk fills up as the second source starts: one line that says --resume finishes
    the job, exit code 2, no output half-written, the first source kept in the state; once
    there is room, --resume gives the outputs of an uninterrupted run."""
    expected = uninterrupted(video_cli_env, [long_media], tmp_path / "whole")
    real_run, runs = facial_emotion.video.run, []

    def fill_the_disk_at_the_second_source(source, *args, **kwargs):
        runs.append(source)
        if len(runs) == 2:
            with open(out / FILLER, "wb", buffering=0) as filler:
                with contextlib.suppress(OSError):
                    while True:
                        filler.write(b"\0" * 4096)
        return real_run(source, *args, **kwargs)

    with full_disk(tmp_path / "out", size="2m", fill=False) as out:
        monkeypatch.setattr(facial_emotion.video, "run", fill_the_disk_at_the_second_source)
        capsys.readouterr()
        assert run(video_cli_env, [long_media], *outputs_args(out)) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(PREFIX) and "No space left on device" in line
        assert line.endswith("the sources done are kept: run it again with --resume once it "
                             "can be written")
        assert not any((out / name).exists() for name in OUTPUT_FILES)
        assert sorted(p.name for p in (state_of(out) / "parts").iterdir()) == ["000000.json"]
        (out / FILLER).unlink()
        monkeypatch.setattr(facial_emotion.video, "run", real_run)
        assert run(video_cli_env, [long_media], *outputs_args(out), "--resume") == 0
        assert not state_of(out).exists()
        assert outputs_of(out) == expected


@pytest.mark.slow  # a Python of its own, importing TensorFlow to load the model
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_damaged_model_is_one_line_and_leaves_nothing_to_resume(video_cli_env, media,
                                                                   tmp_path, workers):
    """Found as the model loads (in each worker process with --workers 2): exit code 2, one
    line, and no batch state left to refuse the next run with."""
    model = tmp_path / "cut.keras"
    model.write_bytes(video_cli_env.model.read_bytes()[:20000])
    out = tmp_path / "out"
    out.mkdir()
    argv = child_argv(video_cli_env, [media], "--csv", out / "f.csv", "--workers", workers)
    argv[argv.index("--model") + 1] = str(model)
    done = subprocess.run(argv, env=child_env(video_cli_env.cache_home), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"{PREFIX} {model}: not a loadable Keras model: the "
                                        "file is damaged (20000 bytes that are not a complete "
                                        ".keras zip archive: cut short, or another kind of file)"]
    assert list(out.iterdir()) == []


# --- the window and the progress bar ----------------------------------------------------------

class FakeWindows:
    """cv2's window calls replaced: records how many frames each window showed, in order;
    a key comes when `keys` names the window's source and its frame count (1-based)."""

    def __init__(self, monkeypatch, keys: dict[tuple[str, int], str]):
        import facial_emotion.video.window as window

        self.keys, self.shown, self.destroyed = keys, [], []
        monkeypatch.setattr(window, "window_unavailable", lambda: None)
        monkeypatch.setattr(window, "screen_size", lambda: (1280, 800))
        for name in ("namedWindow", "resizeWindow", "imshow", "waitKey", "destroyWindow",
                     "getWindowProperty"):
            monkeypatch.setattr(cv2, name, getattr(self, name, lambda *args: 1.0))

    def imshow(self, title, image):
        if self.shown and self.shown[-1][0] == title:
            self.shown[-1][1] += 1
        else:
            self.shown.append([title, 1])

    def waitKey(self, delay):
        title, count = self.shown[-1] if self.shown else ("", 0)
        key = self.keys.pop((title.split(" - ")[0], count), None)
        return -1 if key is None else ord(key)

    def destroyWindow(self, title):
        self.destroyed.append(title)


def test_the_window_shows_the_sources_one_after_another_and_q_ends_the_run(
        video_cli_env, media, tmp_path, monkeypatch, capsys):
    # any key goes on from a photo; q in the third source ends the whole run
    windows = FakeWindows(monkeypatch, {("group.jpg", 1): "x", ("late.mp4", 2): "q"})
    sources = [media / name for name in ("walk.avi", "group.jpg", "late.mp4")]
    code = main(["--source", *map(str, sources), str(photo(tmp_path / "never.png")), "--model",
                 str(video_cli_env.model), "--fast", "--csv", str(tmp_path / "f.csv")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert windows.shown == [["walk.avi - facial emotion", 12], ["group.jpg - facial emotion", 1],
                             ["late.mp4 - facial emotion", 2]]
    assert windows.destroyed == [title for title, _ in windows.shown]
    assert captured.out.splitlines()[-1].startswith("2 of 4 sources done; ")
    assert captured.out.splitlines()[-1].endswith(" (stopped: --resume finishes it)")
    # late.mp4's face walks in at its 4th frame
    assert {r["source"] for r in csv_rows(tmp_path / "f.csv")} == set(map(str, sources[:2]))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_a_progress_bar_counts_sources_and_frames_on_a_terminal_only(
        video_cli_env, media, monkeypatch, capsys, terminal):
    stderr = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert run(video_cli_env, [media / name for name in GOOD]) == 0
    bar = stderr.getvalue()
    if terminal:
        assert "3/3" in bar.split("\r")[-1] and "23 frames" in bar, repr(bar[-300:])
    else:
        assert bar == ""
    assert len(capsys.readouterr().out.splitlines()) == 4  # a line per source, and the last


# --- in processes of their own ----------------------------------------------------------------

CHILD = "import sys; from facial_emotion.cli.video import main; sys.exit(main(sys.argv[1:]))"


def child_argv(env, sources, *more) -> list[str]:
    """The tool in a Python of its own, as a user runs it."""
    return [sys.executable, "-c", CHILD, "--source", *map(str, sources), "--model",
            str(env.model), "--no-display", *map(str, more)]


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_kill_9_mid_batch_then_resume_gives_the_outputs_of_an_uninterrupted_run(
        video_cli_env, long_media, tmp_path, capsys, workers):
    expected = uninterrupted(video_cli_env, [long_media], tmp_path / "whole")
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen(child_argv(video_cli_env, [long_media], *outputs_args(out),
                                        "--workers", workers),
                             env=child_env(video_cli_env.cache_home),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first_part = state_of(out) / "parts" / "000000.json"
    try:
        deadline = time.monotonic() + 240
        while child.poll() is None and not first_part.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        child.kill()  # SIGKILL, while it analyses b.avi
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err
    parts = state_of(out) / "parts"
    assert len(list(parts.glob("*.json"))) < len(list(long_media.iterdir())), "killed too late"
    assert not any((out / name).exists() for name in OUTPUT_FILES)  # only temporary files
    assert_resume_finishes_as_uninterrupted(video_cli_env, [long_media], out, expected, capsys)


@pytest.mark.slow
def test_two_workers_write_what_one_writes(video_cli_env, media, tmp_path, capsys):
    """--workers 2 in a Python of its own, as a user runs it: the workers' own stderr is
    its, and holds no native log line."""
    expected = uninterrupted(video_cli_env, [media], tmp_path / "one")
    one = capsys.readouterr()
    out = tmp_path / "two"
    out.mkdir()
    two = subprocess.run(child_argv(video_cli_env, [media], *outputs_args(out), "--workers",
                                    "2"), env=child_env(video_cli_env.cache_home),
                         capture_output=True, text=True, timeout=300)
    assert two.returncode == 1, two.stderr
    assert outputs_of(out) == expected
    assert two.stderr == one.err and len(two.stderr.splitlines()) == 1  # the damaged one
    assert [line.split(":")[0] for line in two.stdout.splitlines()[:-1]] == [
        line.split(":")[0] for line in one.out.splitlines()[:-1]]


@pytest.mark.slow
def test_sigterm_mid_batch_with_workers_keeps_the_finished_sources(video_cli_env, long_media,
                                                                   tmp_path, capsys):
    expected = uninterrupted(video_cli_env, [long_media], tmp_path / "whole")
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen(child_argv(video_cli_env, [long_media], *outputs_args(out),
                                        "--workers", "2"),
                             env=child_env(video_cli_env.cache_home), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    first_part = state_of(out) / "parts" / "000000.json"
    try:
        deadline = time.monotonic() + 240
        while child.poll() is None and not first_part.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        child.terminate()  # SIGTERM, while a worker analyses b.avi
        stdout, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 143, err
    assert err == "" and stdout.splitlines()[-1].endswith("run it again with --resume to finish)")
    parts = sorted(int(p.stem) for p in (state_of(out) / "parts").iterdir())
    assert 1 not in parts, "stopped too late"  # b.avi was being analysed
    # the outputs hold every source finished (a.avi, and c.jpg if the other worker got to it)
    finished = [str(sorted(long_media.iterdir())[i]) for i in parts]
    assert {row["source"] for row in csv_rows(out / "f.csv")} == set(finished)
    assert [s["source"] for s in json.loads((out / "s.json").read_text())["sources"]] == finished
    assert_resume_finishes_as_uninterrupted(video_cli_env, [long_media], out, expected, capsys)


@pytest.mark.parametrize("argv, sources, cores, expected", [
    (["--no-display"], 10, 2, 2),                   # auto: one per core
    (["--no-display"], 10, 8, 8),
    (["--no-display"], 3, 8, 3),                    # ...no more than the sources
    ([], 10, 8, 1),                                 # the window shows one at a time
    (["--no-display", "--workers", "3"], 10, 2, 3),  # as asked, even past the cores
    (["--no-display", "--workers", "1"], 10, 8, 1),
])
def test_the_default_number_of_workers(monkeypatch, argv, sources, cores, expected):
    from facial_emotion.cli.video import build_parser, workers_for

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert workers_for(build_parser().parse_args(argv), sources) == expected


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5"])
def test_workers_must_be_a_count_or_auto(text, capsys):
    from facial_emotion.cli.video import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--workers", text])
    assert "--workers" in capsys.readouterr().err
