"""Tests for the data preparation: edge smoothing, datasets, exclusion, the cartoon builder."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from training.data import clipart, scenery
from training.data.edges import edge_band, edge_smooth
from training.data.licences import licence_for, package_file_licence, parse_dep5
from training.data.photos import CartoonDataset, Exclusion, PhotoDataset


def _cartoonish(size: int = 96) -> np.ndarray:
    img = np.full((size, size, 3), (200, 180, 60), np.uint8)
    cv2.circle(img, (size // 2, size // 2), size // 4, (40, 90, 220), -1)
    cv2.circle(img, (size // 2, size // 2), size // 4, (0, 0, 0), 2)
    return img


def _write_photos(folder: Path, n: int, rng: np.random.Generator) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        h, w = int(rng.integers(100, 300)), int(rng.integers(100, 300))
        p = folder / f"img{i}.{['jpg', 'png', 'webp'][i % 3]}"
        assert cv2.imwrite(str(p), rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        out.append(p)
    return out


def test_edge_smoothing_changes_only_edge_band() -> None:
    img = _cartoonish()
    out = edge_smooth(img)
    band = edge_band(img)
    changed = np.any(out != img, axis=2)
    assert changed.any(), "smoothing should change some edge pixels"
    assert not (changed & ~band).any(), "pixels outside the dilated edge band must be untouched"
    # Flat regions far from the outline are untouched.
    assert (out[:10, :10] == img[:10, :10]).all()
    flat = np.full((64, 64, 3), 128, np.uint8)
    assert (edge_smooth(flat) == flat).all()


def test_photo_dataset_shapes_range(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    _write_photos(tmp_path / "photos" / "sub", 6, rng)
    ds = PhotoDataset(str(tmp_path / "photos"), size=64, exclude=())
    assert len(ds) == 6  # recursive, jpg/png/webp
    torch.manual_seed(0)
    for i in range(len(ds)):
        x = ds[i]
        assert x.shape == (3, 64, 64) and x.dtype == torch.float32
        assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=3)))
    assert batch.shape == (3, 3, 64, 64)


def test_photo_dataset_small_images_are_upscaled(tmp_path: Path) -> None:
    d = tmp_path / "p"
    d.mkdir()
    cv2.imwrite(str(d / "small.png"), np.zeros((40, 70, 3), np.uint8))
    assert PhotoDataset(str(d), size=64, exclude=())[0].shape == (3, 64, 64)


def test_exclusion_by_name_content_and_list(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    photos = _write_photos(tmp_path / "photos", 6, rng)
    held = tmp_path / "held"
    held.mkdir()
    shutil.copy(photos[0], held / photos[0].name)  # same name
    shutil.copy(photos[1], held / "renamed.jpg" if photos[1].suffix == ".jpg" else held / f"renamed{photos[1].suffix}")
    listing = tmp_path / "exclude.txt"
    listing.write_text(f"# held out\n{photos[2].name}\n")
    ds = PhotoDataset(str(tmp_path / "photos"), size=32, exclude=[str(held), str(listing)])
    names = {os.path.basename(p) for p in ds.files}
    assert photos[0].name not in names, "excluded by file name"
    assert photos[1].name not in names, "excluded by content"
    assert photos[2].name not in names, "excluded by list"
    assert len(ds) == 3 and ds.n_excluded == 3
    assert Exclusion([]).filter([str(p) for p in photos]) == [str(p) for p in photos]


def test_default_photos_never_include_eval_portraits() -> None:
    from training.data import photos as photos_module

    # The defaults point at the shared datasets' photos and exclude their held-out portraits.
    assert Path(photos_module.DEFAULT_EXCLUDE[0]) == Path(photos_module.DEFAULT_PHOTOS).parent / "eval-portraits"
    # Where those datasets are present (the development machines), check the real listing too.
    if os.path.isdir(photos_module.DEFAULT_PHOTOS) and os.path.isdir(photos_module.DEFAULT_EXCLUDE[0]):
        ds = PhotoDataset(size=64)
        held_names = {os.path.basename(p) for p in os.listdir(photos_module.DEFAULT_EXCLUDE[0])}
        assert not held_names & {os.path.basename(p) for p in ds.files}


def test_cartoon_dataset_pairs_share_crop(tmp_path: Path) -> None:
    for d in ("outline", "outline-smooth"):
        (tmp_path / d).mkdir()
    img = cv2.resize(_cartoonish(), (120, 100))
    cv2.imwrite(str(tmp_path / "outline" / "a.png"), img)
    cv2.imwrite(str(tmp_path / "outline-smooth" / "a.png"), edge_smooth(img))
    cv2.imwrite(str(tmp_path / "outline" / "orphan.png"), img)  # no smooth copy: skipped
    ds = CartoonDataset(str(tmp_path), ("outline",), size=64)
    assert len(ds) == 1
    torch.manual_seed(3)
    a, b = ds[0]
    assert a.shape == b.shape == (3, 64, 64)
    assert float(a.min()) >= -1 and float(a.max()) <= 1
    # Same crop: the two differ only near edges, so most pixels are equal.
    assert float((a == b).all(dim=0).float().mean()) > 0.5


def test_dep5_last_match_wins() -> None:
    text = ("Files: *\nCopyright: x\nLicense: GPL-2\n\n"
            "Files: share/a/Graphics/*\n share/b/*\nCopyright: y\nLicense: GFDL-1.3\n\n"
            "License: GPL-2\n text of the licence\n")
    st = parse_dep5(text)
    assert licence_for(st, "share/a/Graphics/x.png") == "GFDL-1.3"
    assert licence_for(st, "share/b/y.png") == "GFDL-1.3"
    assert licence_for(st, "share/c/z.png") == "GPL-2"


def require_cartoon_sources() -> None:
    """The cartoon-builder tests need the Debian packages and facesjs; .ci/run installs both."""
    missing = [d for d in (clipart.CLIPART_ROOT, scenery.SOURCES[0][1], scenery.SOURCES[1][1]) if not os.path.isdir(d)]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: apt-get install $(cat training/apt-packages.txt)")
    facesjs = Path(__file__).resolve().parents[2] / "node_modules" / "facesjs"
    if shutil.which("node") is None or not facesjs.is_dir():
        pytest.fail("node and node_modules/facesjs are needed: run npm ci first")


def test_cartoon_builder_tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.data import cartoons

    require_cartoon_sources()
    # Scan only a slice of the clip-art so the test stays fast.
    allc = clipart.list_clipart()
    monkeypatch.setattr(clipart, "list_clipart", lambda root=clipart.CLIPART_ROOT: allc[::40])
    n_faces = 3
    out = tmp_path / "cartoon"
    rows = cartoons.build(str(out), n_faces, 3, 3, seed=7, jobs=2)
    assert len(rows) == n_faces + 6
    for domain, n in (("outline", n_faces + 3), ("scenery", 3)):
        files = sorted(os.listdir(out / domain))
        files = [f for f in files if f.endswith(".png")]
        assert len(files) == n
        assert sorted(os.listdir(out / f"{domain}-smooth")) == files
        for f in files:
            img = cv2.imread(str(out / domain / f))
            assert img is not None and img.shape == (256, 256, 3)
    with open(out / "MANIFEST.tsv", encoding="utf-8") as f:
        man = list(csv.DictReader(f, delimiter="\t"))
    assert len(man) == n_faces + 6
    assert all(r["licence"] and r["licence"] != "unknown" and r["source"] for r in man)
    assert {r["package"] for r in man if r["domain"] == "scenery"} <= {"hedgewars-data", "supertux-data"}
    assert {r["licence"] for r in man if r["package"] == "openclipart-png"} == {"public domain (CC0)"}
    assert {r["licence"] for r in man if r["package"].startswith("npm:facesjs")} == {"Apache-2.0"}
    # Idempotent and deterministic: a second run changes nothing.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    rows2 = cartoons.build(str(out), n_faces, 3, 3, seed=7, jobs=1)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == before
    assert sorted(r["file"] for r in rows2) == sorted(r["file"] for r in rows)


def test_scenery_licences_come_from_copyright_files() -> None:
    require_cartoon_sources()
    assert package_file_licence("hedgewars-data", "/usr/share/games/hedgewars/Data/Themes/Nature/Sky.png") == "GPL-2"
    assert package_file_licence("hedgewars-data", "/usr/share/games/hedgewars/Data/Themes/Cave/Sky.png") == "GFDL-1.3"
    assert package_file_licence("supertux-data", "/usr/share/games/supertux2/images/background/forest/x.png") == "GPL-3+"
