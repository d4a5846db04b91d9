"""`facial-emotion export`: a LiteRT file whose probabilities are the .keras model's.

The model here is untrained but has its last convolution scaled up, so its probabilities
spread from near 0 to near 1 instead of all sitting at 1/7, and a wrong conversion shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facial_emotion.cli import export
from facial_emotion.cli.main import main
from facial_emotion.labels import IMAGE_SIZE
from facial_emotion.runtime import cpu_flags
from tests.helpers_video import HAS_LITERT
from tests.once import built_once

needs_litert = pytest.mark.skipif(not HAS_LITERT, reason="ai-edge-litert not installed")
PREFIX = "facial-emotion export: error:"


def isolate_process(mp: pytest.MonkeyPatch) -> None:
    """Have `mp` undo what main() sets in os.environ; on an AVX-512 CPU, set the oneDNN cap
    main() would otherwise announce, so stderr holds only what a test is about."""
    for key in ("TF_CPP_MIN_LOG_LEVEL", "ONEDNN_MAX_CPU_ISA"):
        mp.setenv(key, "")  # registers the value to restore, even when it was unset
        mp.delenv(key)
    if "avx512f" in cpu_flags():
        mp.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")


@pytest.fixture(autouse=True)
def quiet_process(monkeypatch, restore_logging):
    isolate_process(monkeypatch)


@pytest.fixture(scope="module")
def spread_model(tmp_path_factory) -> Path:
    """An untrained classifier whose probabilities spread over (0, 1), saved as .keras once
    per test run (tests/once.py)."""
    def build(folder: Path) -> None:
        import keras

        from facial_emotion.model import build_classifier, build_mini_xception, save_atomically

        keras.utils.set_random_seed(0)
        network = build_mini_xception()
        last_conv = network.layers[-3]  # Conv2D(classes) -> GlobalAveragePooling2D -> softmax
        kernel, bias = last_conv.get_weights()
        last_conv.set_weights([kernel * 150.0, bias])
        save_atomically(build_classifier(network), folder / "spread.keras")

    return built_once(tmp_path_factory, "export", build) / "spread.keras"


@pytest.fixture(scope="module")
def exported(spread_model, tmp_path_factory, logging_restored) -> dict[bool, Path]:
    """{float16: the exported file}: float32 to an explicit --output, float16 to the default
    name in the current folder; exported once per test run."""
    def export_both(out: Path) -> None:
        with pytest.MonkeyPatch.context() as mp, logging_restored():
            isolate_process(mp)
            mp.chdir(out)
            assert main(["export", str(spread_model), "--format", "tflite",
                         "--output", str(out / "model.tflite")]) == 0
            assert main(["export", str(spread_model), "--float16"]) == 0

    out = built_once(tmp_path_factory, "exported", export_both)
    return {False: out / "model.tflite", True: out / "spread-float16.tflite"}


def random_faces(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, IMAGE_SIZE, IMAGE_SIZE, 1)).astype(
        np.float32)


def litert_probabilities(path: Path, faces: np.ndarray) -> np.ndarray:
    """Run the file with the bare LiteRT interpreter, as a phone app would."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    [inp], [out] = interpreter.get_input_details(), interpreter.get_output_details()
    assert inp["dtype"] == np.float32 and list(inp["shape_signature"]) == [-1, 48, 48, 1]
    interpreter.resize_tensor_input(inp["index"], list(faces.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], faces)
    interpreter.invoke()
    return interpreter.get_tensor(out["index"])


@pytest.mark.slow
@needs_litert
@pytest.mark.parametrize("float16, atol", [
    pytest.param(False, 1e-4, id="float32 within 1e-4"),
    pytest.param(True, 1e-2, id="float16 within 1e-2"),
])
def test_exported_probabilities_match_the_keras_model(exported, spread_model, float16, atol):
    from facial_emotion.model import load_classifier

    model = load_classifier(spread_model)
    faces = random_faces(12, seed=1)  # not the faces export checked itself on
    expected = model.predict(faces, verbose=0)
    assert expected.max() > 0.5 and expected.min() < 0.01  # spread out: a real test
    got = litert_probabilities(exported[float16], faces)
    np.testing.assert_allclose(got, expected, atol=atol, rtol=0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=atol)


@pytest.mark.slow
def test_float16_halves_the_file(exported):
    sizes = {f16: path.stat().st_size for f16, path in exported.items()}
    assert sizes[True] < 0.6 * sizes[False]


@pytest.mark.slow
@needs_litert
def test_export_is_what_the_classifier_runs(exported, spread_model, tmp_path):
    """One conversion: the float32 export and EmotionClassifier's cached LiteRT model are the
    same bytes."""
    from facial_emotion.detection import EmotionClassifier

    EmotionClassifier(spread_model, backend="litert", cache_dir=tmp_path)
    [cached] = tmp_path.glob("*.tflite")
    assert cached.read_bytes() == exported[False].read_bytes()


@pytest.fixture
def fake_conversion(monkeypatch):
    """fake_conversion(difference): a conversion that takes no time and whose check against
    the .keras model finds `difference`; for tests of what happens around it."""
    def install(difference: float):
        monkeypatch.setattr("facial_emotion.model.litert.convert_to_litert",
                            lambda model, float16=False: b"not really a flatbuffer")
        monkeypatch.setattr("facial_emotion.model.litert.litert_available", lambda: True)
        monkeypatch.setattr("facial_emotion.model.litert.max_difference", lambda *a: difference)
    return install


@pytest.mark.parametrize("case, message", [
    ("missing model", "not found"),
    ("not a model", "Keras"),
    ("output folder is a file", "exists"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, spread_model, capsys, fake_conversion,
                                          case, message):
    fake_conversion(difference=0.0)
    model, output = spread_model, tmp_path / "out.tflite"
    if case == "missing model":
        model = tmp_path / "no.keras"
    elif case == "not a model":
        model = tmp_path / "notes.keras"
        model.write_text("not a model")
    elif case == "output folder is a file":
        (tmp_path / "blocker").write_text("a file where the output folder should be")
        output = tmp_path / "blocker" / "out.tflite"
    assert main(["export", str(model), "--output", str(output)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX) and message in lines[0], lines
    assert not output.exists()


# (how --output names the model: itself, a symbolic link to it, a hard link)
@pytest.mark.parametrize("naming", ["same path", "symbolic link", "hard link"])
def test_the_output_never_replaces_the_model(tmp_path, spread_model, capsys, fake_conversion,
                                             naming):
    import os
    import shutil

    fake_conversion(difference=0.0)
    model = Path(shutil.copy(spread_model, tmp_path / "m.keras"))
    before = model.read_bytes()
    output = {"same path": model, "symbolic link": tmp_path / "link.keras",
              "hard link": tmp_path / "hard.keras"}[naming]
    if naming == "symbolic link":
        output.symlink_to(model)
    elif naming == "hard link":
        os.link(model, output)
    assert main(["export", str(model), "--output", str(output)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(PREFIX), lines
    assert "is MODEL" in lines[0] and "never replaces an input" in lines[0]
    assert model.read_bytes() == before


@pytest.mark.parametrize("argv", [
    pytest.param(["--format", "onnx"], id="unknown format"),
    pytest.param(["a.keras", "b.keras"], id="two models"),
])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["export", *argv])
    assert excinfo.value.code == 2
    lines = capsys.readouterr().err.splitlines()  # one line, as every other error
    assert len(lines) == 1 and lines[0].startswith("facial-emotion export: error: "), lines


@pytest.mark.parametrize("difference", [0.5, float("nan")])
def test_a_conversion_that_changes_the_model_is_not_written(spread_model, tmp_path, capsys,
                                                           fake_conversion, difference):
    fake_conversion(difference)
    output = tmp_path / "out.tflite"
    assert main(["export", str(spread_model), "--output", str(output)]) == 2
    assert "changed its probabilities" in capsys.readouterr().err
    assert not output.exists()


def test_default_output_names():
    assert export.default_output(Path("runs/x/best.keras"), False) == Path("best.tflite")
    assert export.default_output(Path("best.keras"), True) == Path("best-float16.tflite")
