"""load_fer2013: finding the data, saying where to get it, and the cache of parsed arrays."""

from __future__ import annotations

import logging
import os

import cv2
import numpy as np
import pytest

from facial_emotion.cache import hash_path, read_cached
from facial_emotion.data import load_fer2013, loader, resolve_source
from facial_emotion.errors import DatasetError

COUNTS = {"Training": 7, "PublicTest": 3, "PrivateTest": 4}


def assert_same_data(a, b):
    for name in ("train", "val", "test"):
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_array_equal(x.images, y.images)
        np.testing.assert_array_equal(x.labels, y.labels)
        assert (x.images.dtype, x.labels.dtype) == (y.images.dtype, y.labels.dtype)


def cache_files(cache_dir):
    return sorted(cache_dir.glob("*.npz")) if cache_dir.exists() else []


def no_parsing(*args, **kwargs):
    raise AssertionError("the source was parsed again instead of being read from the cache")


@pytest.mark.parametrize("layout, resolves_to, raises", [
    pytest.param("missing", None, True, id="path does not exist"),
    pytest.param("empty folder", None, True, id="folder with neither form"),
    pytest.param("only train/", None, True, id="train/ without test/"),
    pytest.param("csv file", "data/fer2013.csv", False, id="the CSV itself"),
    pytest.param("csv in folder", "data/fer2013.csv", False, id="folder holding fer2013.csv"),
    pytest.param("image folders", "data", False, id="folder holding train/ and test/"),
])
def test_resolve_source(tmp_path, fer_csv, fer_folder, fer_rows, layout, resolves_to, raises):
    data = tmp_path / "data"
    if layout == "empty folder":
        data.mkdir()
    elif layout == "only train/":
        (data / "train" / "happy").mkdir(parents=True)
    elif layout in ("csv file", "csv in folder"):
        fer_csv(data / "fer2013.csv", fer_rows(COUNTS))
    elif layout == "image folders":
        fer_folder(data, fer_rows(COUNTS))
    path = data / "fer2013.csv" if layout == "csv file" else data

    if raises:
        with pytest.raises(DatasetError) as excinfo:
            resolve_source(path)
        message = str(excinfo.value)
        assert str(path) in message
        assert "kaggle" in message.lower()  # where to get FER2013
        assert "fer2013/" in message         # and where to put it
        assert "--data" in message
    else:
        assert resolve_source(path) == tmp_path / resolves_to


def test_missing_data_says_where_to_get_it(tmp_path):
    with pytest.raises(DatasetError) as excinfo:
        load_fer2013(tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    message = str(excinfo.value)
    assert "kaggle.com" in message and "fer2013/" in message
    assert "fer2013.csv" in message and "train/" in message  # both forms are named
    assert not (tmp_path / "cache").exists()


def test_folder_holding_the_csv_loads_like_the_csv(tmp_path, fer_csv, fer_rows):
    csv = fer_csv(tmp_path / "fer2013" / "fer2013.csv", fer_rows(COUNTS))
    from_folder = load_fer2013(tmp_path / "fer2013", use_cache=False)
    assert_same_data(from_folder, load_fer2013(csv, use_cache=False))
    assert from_folder.source == str(csv)


@pytest.mark.parametrize("form", ["csv", "image folders"])
def test_second_load_is_served_from_the_cache(tmp_path, fer_csv, fer_folder, fer_rows,
                                              monkeypatch, form):
    rows = fer_rows(COUNTS)
    source = (fer_csv(tmp_path / "fer2013.csv", rows) if form == "csv"
              else fer_folder(tmp_path / "fer2013", rows))
    cache_dir = tmp_path / "cache"

    first = load_fer2013(source, cache_dir=cache_dir)
    assert len(cache_files(cache_dir)) == 1
    assert not list(cache_dir.glob("*.tmp"))  # written atomically, nothing left behind

    monkeypatch.setattr(loader, "read_csv", no_parsing)
    monkeypatch.setattr(loader, "read_image_folder", no_parsing)
    second = load_fer2013(source, cache_dir=cache_dir)

    assert_same_data(first, second)
    assert second.source == first.source
    assert len(cache_files(cache_dir)) == 1


def test_default_cache_is_under_xdg_cache_home(tmp_path, fer_csv, fer_rows, cache_home):
    load_fer2013(fer_csv(tmp_path / "fer2013.csv", fer_rows(COUNTS)))
    assert len(cache_files(cache_home / "facial_emotion")) == 1


def test_use_cache_false_writes_no_cache(tmp_path, fer_csv, fer_rows, cache_home):
    load_fer2013(fer_csv(tmp_path / "fer2013.csv", fer_rows(COUNTS)), use_cache=False)
    assert not cache_home.exists()


def test_cache_is_rebuilt_when_the_csv_changes(tmp_path, fer_csv, fer_rows):
    path = tmp_path / "fer2013.csv"
    cache_dir = tmp_path / "cache"
    old = load_fer2013(fer_csv(path, fer_rows(COUNTS, seed=1)), cache_dir=cache_dir)
    before = os.stat(path)

    new_rows = fer_rows({"Training": 2, "PrivateTest": 5}, seed=2)
    fer_csv(path, new_rows)
    # Be sure the change is visible even on a file system with coarse modification times.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
    new = load_fer2013(path, cache_dir=cache_dir)

    assert (len(new.train), len(new.val), len(new.test)) == (2, 0, 5)
    assert new.test.labels.tolist() == [label for label, _, u in new_rows if u == "PrivateTest"]
    np.testing.assert_array_equal(new.train.images[..., 0], np.stack([r[1] for r in new_rows[:2]]))
    assert len(old.train) == 7
    assert len(cache_files(cache_dir)) == 2


def test_cache_is_rebuilt_when_an_image_is_added(tmp_path, fer_folder, fer_rows):
    root = fer_folder(tmp_path / "fer2013", fer_rows(COUNTS))
    cache_dir = tmp_path / "cache"
    assert len(load_fer2013(root, cache_dir=cache_dir).train) == 7
    fer_folder(tmp_path / "more", fer_rows({"Training": 1}, seed=3))
    (tmp_path / "more" / "train" / "angry" / "Training_0.jpg").rename(
        root / "train" / "angry" / "Training_1000.jpg")
    assert len(load_fer2013(root, cache_dir=cache_dir).train) == 8


def test_skip_bad_rows_has_its_own_cache(tmp_path, fer_csv, fer_rows):
    path = fer_csv(tmp_path / "fer2013.csv", [*fer_rows(COUNTS), (9, "1 2", "Training")])
    cache_dir = tmp_path / "cache"
    assert len(load_fer2013(path, skip_bad_rows=True, cache_dir=cache_dir).train) == 7
    # A cache built while skipping bad rows must not hide them from a strict load.
    with pytest.raises(DatasetError, match="line"):
        load_fer2013(path, cache_dir=cache_dir)


@pytest.mark.parametrize("form", ["csv", "image folders"])
def test_an_edit_that_keeps_size_and_mtime_is_picked_up(tmp_path, fer_csv, fer_folder, fer_rows,
                                                        form):
    """One pixel changes from 111 to 222: same file size, and the mtime is put back."""
    rows = fer_rows(COUNTS)
    label, image, usage = rows[0]  # the first Training image
    image = image.copy()
    image[0, 0] = 111
    rows[0] = (label, image, usage)
    cache_dir = tmp_path / "cache"
    if form == "csv":
        source = path = fer_csv(tmp_path / "fer2013.csv", rows)
    else:
        source = fer_folder(tmp_path / "fer2013", rows, suffix=".bmp")  # BMP: size set by shape
        [path] = source.glob("train/*/Training_0.bmp")
    assert load_fer2013(source, cache_dir=cache_dir).train.images[0, 0, 0, 0] == 111
    before = os.stat(path)

    image[0, 0] = 222
    if form == "csv":
        fer_csv(path, rows)
    else:
        assert cv2.imwrite(str(path), image)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    reloaded = load_fer2013(source, cache_dir=cache_dir)
    assert reloaded.train.images[0, 0, 0, 0] == 222
    assert len(cache_files(cache_dir)) == 2


def overwrite_middle(data: bytes) -> bytes:
    return data[:100] + b"x" * 50 + data[150:]


@pytest.mark.parametrize("damage, says", [
    pytest.param(lambda npz: npz.write_bytes(b""), "damaged", id="empty"),
    pytest.param(lambda npz: npz.write_bytes(npz.read_bytes()[:npz.stat().st_size // 2]),
                 "damaged", id="truncated"),
    pytest.param(lambda npz: npz.write_bytes(b"hello world" * 20), "damaged", id="not an npz"),
    pytest.param(lambda npz: npz.write_bytes(overwrite_middle(npz.read_bytes())), "damaged",
                 id="overwritten in the middle"),
    pytest.param(lambda npz: hash_path(npz).unlink(), "no stored hash", id="hash missing"),
    pytest.param(lambda npz: hash_path(npz).write_text("0" * 64), "damaged", id="hash wrong"),
])
def test_a_damaged_cache_is_rebuilt(tmp_path, fer_csv, fer_rows, caplog, damage, says):
    path = fer_csv(tmp_path / "fer2013.csv", fer_rows(COUNTS))
    cache_dir = tmp_path / "cache"
    good = load_fer2013(path, cache_dir=cache_dir)
    [cache] = cache_files(cache_dir)
    damage(cache)

    with caplog.at_level(logging.WARNING):
        assert_same_data(load_fer2013(path, cache_dir=cache_dir), good)
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert str(cache) in warning and says in warning and "rebuilding" in warning
    assert read_cached(cache) is not None  # written again, with its hash
    with np.load(cache) as arrays:
        np.testing.assert_array_equal(arrays["train_labels"], good.train.labels)


SMALL_LIMIT = 64 << 10  # the member limit in these tests, for a bomb that is quick to make


def inflating_npz(npz) -> None:
    """Replace the cache by an npz whose train images inflate past the limit (1 KB on disk),
    with a matching stored hash: only the size check stands in the way."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train_images.npy", b"\0" * (16 * SMALL_LIMIT))
    hash_path(npz).write_text(f"{hashlib.sha256(npz.read_bytes()).hexdigest()}  {npz.name}\n")


def too_large_npz(npz) -> None:
    npz.write_bytes(b"\0" * 2048)
    hash_path(npz).write_text(f"{'0' * 64}  {npz.name}\n")


@pytest.mark.parametrize("plant, says, max_bytes", [
    pytest.param(inflating_npz, "train_images.npy to hold at most", None, id="inflating member"),
    pytest.param(too_large_npz, "too large", 1024, id="file too large"),
])
def test_a_cache_too_large_is_not_inflated_but_rebuilt(tmp_path, fer_csv, fer_rows, caplog,
                                                       monkeypatch, plant, says, max_bytes):
    path = fer_csv(tmp_path / "fer2013.csv", fer_rows(COUNTS))
    cache_dir = tmp_path / "cache"
    good = load_fer2013(path, cache_dir=cache_dir)
    [cache] = cache_files(cache_dir)
    plant(cache)
    monkeypatch.setattr(loader, "_CACHE_MEMBERS",
                        {name: SMALL_LIMIT for name in loader._CACHE_MEMBERS})
    if max_bytes is not None:
        monkeypatch.setattr(loader, "_MAX_CACHE_BYTES", max_bytes)

    def no_inflating(*args, **kwargs):
        raise AssertionError("np.load read the planted cache")

    with monkeypatch.context() as mp, caplog.at_level(logging.WARNING):
        mp.setattr(loader.np, "load", no_inflating)
        assert_same_data(load_fer2013(path, cache_dir=cache_dir), good)
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert str(cache) in warning and says in warning and "rebuilding" in warning


def test_unwritable_cache_does_not_stop_loading(tmp_path, fer_csv, fer_rows):
    path = fer_csv(tmp_path / "fer2013.csv", fer_rows(COUNTS))
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    assert len(load_fer2013(path, cache_dir=blocker).train) == 7
