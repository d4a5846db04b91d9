"""The Kaggle image-folder form: splits from file-name prefixes or folders, bad and hidden files."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from facial_emotion.data import load_fer2013
from facial_emotion.errors import DatasetError
from facial_emotion.labels import EMOTIONS


def counts_by_label(labels: np.ndarray) -> list[int]:
    return np.bincount(labels, minlength=len(EMOTIONS)).tolist()


@pytest.mark.parametrize("counts", [
    pytest.param({"Training": 14, "PublicTest": 7, "PrivateTest": 7}, id="every class in every split"),
    pytest.param({"Training": 3, "PublicTest": 1, "PrivateTest": 2}, id="few classes"),
    pytest.param({"Training": 5, "PublicTest": 0, "PrivateTest": 0}, id="train only"),
])
def test_prefixed_files_give_the_official_splits(tmp_path, fer_folder, fer_rows, counts):
    rows = fer_rows(counts)
    root = fer_folder(tmp_path / "fer2013", rows)

    data = load_fer2013(root, use_cache=False)

    for split, usage in ((data.train, "Training"), (data.val, "PublicTest"),
                         (data.test, "PrivateTest")):
        labels = np.array([label for label, _, u in rows if u == usage], np.int64)
        assert split.images.dtype == np.uint8
        assert split.images.shape == (counts[usage], 48, 48, 1)
        assert split.labels.dtype == np.int64
        assert counts_by_label(split.labels) == counts_by_label(labels)
    assert data.source == str(root)


def test_images_keep_their_class_content(tmp_path, fer_folder, fer_rows):
    rows = fer_rows({"Training": 7})
    root = fer_folder(tmp_path / "fer2013", rows, suffix=".png")  # lossless, so pixels are exact

    data = load_fer2013(root, use_cache=False)

    by_label = {label: image for label, image, _ in rows}
    for image, label in zip(data.train.images, data.train.labels):
        np.testing.assert_array_equal(image[..., 0], by_label[label])


def test_other_image_sizes_are_resized_to_48(tmp_path, fer_folder):
    big = np.full((96, 64), 200, np.uint8)
    root = fer_folder(tmp_path / "fer2013", [(3, big, "Training")], suffix=".png")
    data = load_fer2013(root, use_cache=False)
    assert data.train.images.shape == (1, 48, 48, 1)
    assert int(data.train.images.min()) == int(data.train.images.max()) == 200


# (file name, its bytes, raises without --skip-bad-rows)
@pytest.mark.parametrize("name, content, raises", [
    pytest.param("notes.txt", b"not an image", True, id="text file"),
    pytest.param("Training_99.jpg", b"not a jpeg at all", True, id="corrupt jpg"),
    pytest.param("Training_98.jpg", b"", True, id="0-byte jpg"),
    pytest.param("Thumbs.db", b"\x00\x01", False, id="Windows thumbnail cache"),
    pytest.param(".DS_Store", b"\x00\x00\x00\x01Bud1", False, id="macOS .DS_Store"),
    pytest.param("._Training_1.jpg", b"\x00\x05\x16\x07", False, id="macOS resource fork"),
])
def test_bad_files_in_a_class_folder(tmp_path, fer_folder, fer_rows, caplog, name, content, raises):
    rows = fer_rows({"Training": 7, "PublicTest": 7, "PrivateTest": 7})
    root = fer_folder(tmp_path / "fer2013", rows)
    bad = root / "train" / "happy" / name
    bad.write_bytes(content)

    if raises:
        with pytest.raises(DatasetError) as excinfo:
            load_fer2013(root, use_cache=False)
        assert str(bad) in str(excinfo.value)
    else:
        data = load_fer2013(root, use_cache=False)
        assert len(data.train) == 7

    # --skip-bad-rows drops the file, keeps every good image, and says so.
    with caplog.at_level(logging.WARNING, logger="facial_emotion"):
        data = load_fer2013(root, skip_bad_rows=True, use_cache=False)
    assert (len(data.train), len(data.val), len(data.test)) == (7, 7, 7)
    assert counts_by_label(data.train.labels) == [1] * 7
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert bool(dropped) == raises
    if raises:
        assert str(bad) in dropped[0]


def test_hidden_class_folders_are_ignored(tmp_path, fer_folder, fer_rows):
    root = fer_folder(tmp_path / "fer2013", fer_rows({"Training": 7, "PrivateTest": 7}))
    (root / "train" / ".ipynb_checkpoints").mkdir()
    (root / "test" / ".DS_Store").write_bytes(b"\x00")
    data = load_fer2013(root, use_cache=False)
    assert (len(data.train), len(data.val), len(data.test)) == (7, 0, 7)


@pytest.mark.parametrize("name, is_dir, raises", [
    pytest.param("Happy", True, False, id="class name in another case"),
    pytest.param("contempt", True, True, id="unknown emotion"),
    pytest.param("happy_old", True, True, id="misspelt emotion"),
    pytest.param("README.txt", False, True, id="loose file beside the class folders"),
])
def test_folders_must_be_named_after_emotions(tmp_path, fer_folder, fer_rows, name, is_dir, raises):
    root = fer_folder(tmp_path / "fer2013", fer_rows({"Training": 7, "PublicTest": 7}))
    extra = root / "train" / name
    if is_dir:
        fer_folder(tmp_path / "other", fer_rows({"Training": 1}, seed=1))
        extra.mkdir()
        (tmp_path / "other" / "train" / "angry" / "Training_0.jpg").rename(extra / "Training_100.jpg")
    else:
        extra.write_text("hello")

    if raises:
        with pytest.raises(DatasetError) as excinfo:
            load_fer2013(root, use_cache=False)
        assert str(extra) in str(excinfo.value)
        assert "happy" in str(excinfo.value)  # it lists the expected names
    else:
        data = load_fer2013(root, use_cache=False)
        assert counts_by_label(data.train.labels)[EMOTIONS.index("happy")] == 2


@pytest.mark.parametrize("files_per_class, both_halves", [
    pytest.param(12, True, id="84 test files"),
    pytest.param(1, False, id="7 test files"),
])
def test_unprefixed_test_folder_is_split_by_file_name(tmp_path, fer_folder, fer_rows, caplog,
                                                       files_per_class, both_halves):
    rows = fer_rows({"Training": 14, "PublicTest": 7 * files_per_class})
    root = fer_folder(tmp_path / "fer2013", rows, prefixed=False)

    with caplog.at_level(logging.WARNING, logger="facial_emotion"):
        first = load_fer2013(root, use_cache=False)
    again = load_fer2013(root, use_cache=False)

    assert len(first.train) == 14  # train/ is always Training
    assert len(first.val) + len(first.test) == 7 * files_per_class
    if both_halves:
        assert len(first.val) > 0 and len(first.test) > 0
    for a, b in ((first.val, again.val), (first.test, again.test)):
        np.testing.assert_array_equal(a.images, b.images)
        np.testing.assert_array_equal(a.labels, b.labels)
    messages = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "prefix" in messages and "PublicTest" in messages and "PrivateTest" in messages


def test_split_does_not_depend_on_the_folder_location(tmp_path, fer_folder, fer_rows):
    rows = fer_rows({"Training": 7, "PublicTest": 42})
    a = load_fer2013(fer_folder(tmp_path / "a", rows, prefixed=False), use_cache=False)
    b = load_fer2013(fer_folder(tmp_path / "elsewhere" / "b", rows, prefixed=False), use_cache=False)
    np.testing.assert_array_equal(a.val.labels, b.val.labels)
    np.testing.assert_array_equal(a.test.labels, b.test.labels)


@pytest.mark.parametrize("layout, raises", [
    pytest.param("empty class folders", True, id="no images at all"),
    pytest.param("one image", False, id="a single image"),
])
def test_a_folder_with_no_images(tmp_path, fer_folder, layout, raises):
    root = fer_folder(tmp_path / "fer2013", [])
    (root / "train" / "sad").mkdir()
    if layout == "one image":
        fer_folder(root, [(4, np.zeros((48, 48), np.uint8), "PrivateTest")])
    if raises:
        with pytest.raises(DatasetError, match="no images"):
            load_fer2013(root, use_cache=False)
    else:
        assert len(load_fer2013(root, use_cache=False).test) == 1
