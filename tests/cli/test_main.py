"""`facial-emotion` and `python -m facial_emotion`: each command reaches its tool's main(argv)
with the rest of the line; and pyproject.toml installs what the tools need."""

from __future__ import annotations

import json
import re
import runpy
import sys
from pathlib import Path

import pytest

import facial_emotion
from facial_emotion.cli import export, main as cli_main, train, video
from facial_emotion.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"video": video, "train": train, "export": export}


class Calls(list):
    progs: list


@pytest.fixture
def calls(monkeypatch) -> list:
    """Replace each tool's main with a recorder: calls gets (tool, argv) and progs the name
    it was given; it returns 7."""
    calls = Calls()
    calls.progs = []
    for name, module in TOOLS.items():
        def record(argv, prog=None, name=name):
            calls.progs.append(prog)
            return calls.append((name, list(argv))) or 7
        monkeypatch.setattr(module, "main", record)
    return calls


@pytest.mark.parametrize("argv, tool, forwarded", [
    (["video"], "video", []),
    (["video", "--source", "clip.mp4", "--no-display"], "video",
     ["--source", "clip.mp4", "--no-display"]),
    (["video", "--help"], "video", ["--help"]),
    (["train", "--epochs", "3", "--out", "runs/x"], "train", ["--epochs", "3", "--out", "runs/x"]),
    (["evaluate", "m.keras"], "train", ["--evaluate=m.keras", "--out=runs/eval"]),
    (["evaluate", "m.keras", "--data", "d.csv", "--out", "o", "--skip-bad-rows", "--verbose"],
     "train", ["--evaluate=m.keras", "--out=o", "--data=d.csv", "--skip-bad-rows", "--verbose"]),
    (["evaluate", "--out", "o", "--", "-odd.keras"], "train", ["--evaluate=-odd.keras", "--out=o"]),
    (["export", "m.keras", "--format", "tflite", "--float16"], "export",
     ["m.keras", "--format", "tflite", "--float16"]),
])
def test_each_command_runs_its_tool(calls, argv, tool, forwarded):
    assert main(argv) == 7  # the tool's exit code comes back
    assert calls == [(tool, forwarded)]
    assert calls.progs == [f"facial-emotion {argv[0]}"]  # the name it goes by


@pytest.mark.parametrize("dispatcher, argv, stream, says", [
    ("facial-emotion", ["video", "--help"], "out", "usage: facial-emotion video "),
    ("python -m facial_emotion", ["train", "--help"], "out",
     "usage: python -m facial_emotion train "),
    ("facial-emotion", ["evaluate", "--help"], "out", "usage: facial-emotion evaluate "),
    ("facial-emotion", ["export", "--help"], "out", "usage: facial-emotion export "),
    ("facial-emotion", ["video", "--smoothing", "2"], "err", "facial-emotion video: error: "),
    ("python -m facial_emotion", ["train", "--epochs", "0"], "err",
     "python -m facial_emotion train: error: "),
    ("facial-emotion", ["train", "--resume", "--overwrite"], "err",
     "facial-emotion train: error: "),
])
def test_each_command_names_itself_not_the_script_it_wraps(capsys, dispatcher, argv, stream,
                                                           says):
    with pytest.raises(SystemExit):
        main(argv, prog=dispatcher)
    text = getattr(capsys.readouterr(), stream)
    assert text.startswith(says), text
    assert ".py" not in text.splitlines()[0]


def test_an_evaluate_error_names_evaluate(video_cli_env, tmp_path, capsys):
    """The error comes from train's main, which evaluate runs; it still goes by evaluate."""
    code = main(["evaluate", str(video_cli_env.model), "--data", str(tmp_path / "none.csv"),
                 "--out", str(tmp_path / "eval")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("facial-emotion evaluate: error: "), err


@pytest.mark.parametrize("argv, code, stream, says", [
    pytest.param([], 2, "err", "required: COMMAND", id="no command"),
    pytest.param(["bogus"], 2, "err", "expected a command (video, train, evaluate, export), "
                                      "got 'bogus'", id="unknown command"),
    pytest.param(["--source", "0"], 2, "err", "required: COMMAND", id="an option first"),
    pytest.param(["--help"], 0, "out", "Run 'facial-emotion COMMAND --help'", id="help"),
    pytest.param(["evaluate"], 2, "err", "facial-emotion evaluate: error", id="evaluate no model"),
    pytest.param(["evaluate", "m.keras", "--epochs", "3"], 2, "err", "unrecognized arguments",
                 id="evaluate with a training option"),
])
def test_usage_errors_and_help(calls, capsys, argv, code, stream, says):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == code
    assert says in getattr(capsys.readouterr(), stream)
    assert calls == []


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["-h"])
    out = capsys.readouterr().out
    for name, command in COMMANDS.items():
        assert re.search(rf"^  {name} +{re.escape(command.summary)}$", out, re.MULTILINE)


def test_python_m_facial_emotion_is_the_same_command(calls, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["facial_emotion", "export", "m.keras"])
    with pytest.raises(SystemExit) as excinfo:
        runpy.run_module("facial_emotion", run_name="__main__", alter_sys=True)
    assert excinfo.value.code == 7 and calls == [("export", ["m.keras"])]

    monkeypatch.setattr(sys, "argv", ["facial_emotion", "--help"])
    with pytest.raises(SystemExit):
        runpy.run_module("facial_emotion", run_name="__main__", alter_sys=True)
    assert "usage: python -m facial_emotion" in capsys.readouterr().out


def test_evaluate_writes_a_report(video_cli_env, tmp_path, fer_csv, fer_rows):
    """The real path: `evaluate MODEL --data D --out DIR` through train's --evaluate."""
    csv = fer_csv(tmp_path / "fer2013.csv",
                  fer_rows({"Training": 7, "PublicTest": 7, "PrivateTest": 7}))
    out = tmp_path / "eval"
    assert main(["evaluate", str(video_cli_env.model), "--data", str(csv), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == str(video_cli_env.model)
    assert 0 <= report["private_test"]["accuracy"] <= 1


# --- packaging ----------------------------------------------------------------------------

def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_lines(path: Path) -> set[str]:
    """Requirement specifiers, without comments and blanks, spaces and quote style removed."""
    lines = (line.split("#", 1)[0] for line in path.read_text().splitlines())
    return {normalized(line) for line in lines if line.strip()}


def normalized(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).replace("'", '"')


def test_requirements_txt_is_the_dependencies_plus_the_test_bench_and_mtcnn_extras():
    project = pyproject()["project"]
    runtime = {normalized(r) for r in project["dependencies"]}
    extras = {normalized(r) for name in ("test", "bench", "mtcnn")
              for r in project["optional-dependencies"][name]}
    assert requirement_lines(ROOT / "requirements.txt") == runtime | extras


def test_the_console_script_is_the_dispatcher():
    scripts = pyproject()["project"]["scripts"]
    assert scripts == {"facial-emotion": "facial_emotion.cli.main:main"}
    assert cli_main.main is main


def test_every_subpackage_and_the_model_are_packaged():
    setuptools = pyproject()["tool"]["setuptools"]
    package_root = Path(facial_emotion.__file__).parent
    found = {".".join(p.parent.relative_to(package_root.parent).parts)
             for p in package_root.rglob("__init__.py")}
    assert found <= set(setuptools["packages"]), "add new subpackages to pyproject.toml"
    # models/ ships inside the package, so an installed tool finds its default model.
    models = ROOT / setuptools["package-dir"]["facial_emotion.models"]
    for name in setuptools["package-data"]["facial_emotion.models"]:
        assert (models / name).is_file()
    assert (models / "emotion_mini_xception.keras").is_file()


def test_the_ferplus_votes_ship_with_their_license():
    data = pyproject()["tool"]["setuptools"]["package-data"]["facial_emotion.data"]
    folder = Path(facial_emotion.__file__).parent / "data"
    shipped = {p.name for pattern in data for p in folder.glob(pattern)}
    assert {"fer2013new.csv", "image_rows.csv", "LICENSE.md", "README.md"} <= shipped
