"""Datasets of random crops: photos (with a held-out exclusion) and cartoons (with their
edge-smoothed copies). Tensors are float32 RGB, CHW, in [-1, 1].

    ds = PhotoDataset("/work/shared/datasets/photos", size=256)       # any folder, recursive
    cartoons = CartoonDataset("data/cartoon", domains=("outline",), size=256)
    cartoon, smooth = cartoons[0]
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

# The shared datasets live beside the checkout (../shared/datasets), as the rest of training/ expects.
_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
DEFAULT_PHOTOS = str(_DATASETS / "photos")
DEFAULT_EXCLUDE = (str(_DATASETS / "eval-portraits"),)  # held out: never train on these
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")


def list_images(root: str) -> list[str]:
    """Image files under `root` (recursive), sorted."""
    out = []
    for d, _dirs, files in os.walk(root, followlinks=True):
        out.extend(os.path.join(d, f) for f in files if f.lower().endswith(IMAGE_EXTS))
    return sorted(out)


def _sha1(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


class Exclusion:
    """Names and contents to keep out of training.

    Each entry may be a folder (every image in it is excluded by file name and by content), an
    image file (likewise), or a text/TSV list whose first column holds file names or paths.
    Folders' MANIFEST.tsv `source` columns are collected too, so a photo recorded with the same
    source under another name is also excluded when its own folder has a MANIFEST.tsv.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.hashes: set[str] = set()
        self.sources: set[str] = set()
        for e in entries:
            if os.path.isdir(e):
                for p in list_images(e):
                    self._add_image(p)
                self.sources |= set(_manifest_sources(os.path.join(e, "MANIFEST.tsv")).values())
            elif os.path.isfile(e) and e.lower().endswith(IMAGE_EXTS):
                self._add_image(e)
            elif os.path.isfile(e):
                with open(e, encoding="utf-8") as f:
                    for line in f:
                        first = line.strip().split("\t")[0]
                        if first and not first.startswith("#") and first != "file":
                            self.names.add(os.path.basename(first))

    def _add_image(self, p: str) -> None:
        self.names.add(os.path.basename(p))
        self.hashes.add(_sha1(p))

    def filter(self, paths: Sequence[str], by_content: bool = True) -> list[str]:
        sources: dict[str, str] = {}
        if self.sources:
            for d in {os.path.dirname(p) for p in paths}:
                sources.update(_manifest_sources(os.path.join(d, "MANIFEST.tsv"), prefix=d))
        keep = []
        for p in paths:
            if os.path.basename(p) in self.names or sources.get(p) in self.sources:
                continue
            if by_content and self.hashes and _sha1(p) in self.hashes:
                continue
            keep.append(p)
        return keep


def _manifest_sources(path: str, prefix: str | None = None) -> dict[str, str]:
    """file -> source from a MANIFEST.tsv with `file` and `source` columns ({} if none)."""
    if not os.path.isfile(path):
        return {}
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if "file" not in header or "source" not in header:
            return {}
        fi, si = header.index("file"), header.index("source")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > max(fi, si) and cols[si]:
                key = os.path.join(prefix, cols[fi]) if prefix else cols[fi]
                out[key] = cols[si]
    return out


def read_rgb(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)  # drops alpha; webp/png/jpg
    if img is None:
        raise OSError(f"cannot read image {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def crop_params(h: int, w: int, size: int, rng: np.random.Generator, max_zoom: float = 1.25) -> tuple[float, int, int]:
    """Scale factor and top-left corner of a random `size` crop.

    The short side is resized to a random length in [size, min(short, max_zoom * size)] (upscaled
    to `size` when smaller), so crops keep most of small photos and vary the scale of large ones.
    """
    short = min(h, w)
    hi = max(size, min(short, max_zoom * size))
    target = rng.uniform(size, hi) if hi > size else size
    s = target / short
    nh, nw = max(size, round(h * s)), max(size, round(w * s))
    return s, int(rng.integers(0, nh - size + 1)), int(rng.integers(0, nw - size + 1))


def apply_crop(img: np.ndarray, s: float, y: int, x: int, size: int, flip: bool) -> np.ndarray:
    h, w = img.shape[:2]
    nh, nw = max(size, round(h * s)), max(size, round(w * s))
    if (nh, nw) != (h, w):
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    img = img[y:y + size, x:x + size]
    return img[:, ::-1] if flip else img


def colour_jitter(img: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Mild brightness/contrast/saturation jitter on float RGB in [0, 1]."""
    if amount <= 0:
        return img
    b, c, s = (1 + rng.uniform(-amount, amount) for _ in range(3))
    gray = img.mean(axis=2, keepdims=True)
    img = gray + (img - gray) * s
    img = (img - img.mean()) * c + img.mean()
    return np.clip(img * b, 0.0, 1.0)


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 or float [0,1] RGB -> float32 CHW tensor in [-1, 1]."""
    f = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(f.transpose(2, 0, 1))) * 2.0 - 1.0


def _rng() -> np.random.Generator:
    # Seeded from torch so that DataLoader workers (and torch.manual_seed) give distinct streams.
    return np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))


class PhotoDataset(Dataset):
    """Random `size` crops of every photo under `root`, with flips and mild colour jitter."""

    def __init__(self, root: str = DEFAULT_PHOTOS, size: int = 256, exclude: Iterable[str] = DEFAULT_EXCLUDE,
                 flip: bool = True, jitter: float = 0.08, exclude_by_content: bool = True) -> None:
        self.size, self.flip, self.jitter = size, flip, jitter
        files = list_images(root)
        self.excluded = Exclusion([e for e in exclude if os.path.exists(e)])
        self.files = self.excluded.filter(files, by_content=exclude_by_content)
        self.n_excluded = len(files) - len(self.files)
        if not self.files:
            raise ValueError(f"no photos under {root}")

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        rng = _rng()
        img = read_rgb(self.files[i])
        s, y, x = crop_params(*img.shape[:2], self.size, rng)
        img = apply_crop(img, s, y, x, self.size, self.flip and rng.random() < 0.5)
        return to_tensor(colour_jitter(img.astype(np.float32) / 255.0, rng, self.jitter))


class CartoonDataset(Dataset):
    """(cartoon, edge-smoothed cartoon) pairs from a folder made by training.data.cartoons,
    with the same random crop and flip applied to both."""

    def __init__(self, root: str = "data/cartoon", domains: Sequence[str] = ("outline",), size: int = 256,
                 flip: bool = True) -> None:
        self.size, self.flip = size, flip
        self.pairs: list[tuple[str, str]] = []
        for d in domains:
            for p in list_images(os.path.join(root, d)):
                smooth = os.path.join(root, f"{d}-smooth", os.path.relpath(p, os.path.join(root, d)))
                if os.path.exists(smooth):
                    self.pairs.append((p, smooth))
        if not self.pairs:
            raise ValueError(f"no cartoon/smooth pairs under {root} for domains {list(domains)}")

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = _rng()
        a, b = (read_rgb(p) for p in self.pairs[i])
        if a.shape != b.shape:
            raise ValueError(f"size mismatch between {self.pairs[i][0]} and its smooth copy")
        s, y, x = crop_params(*a.shape[:2], self.size, rng)
        flip = self.flip and rng.random() < 0.5
        return to_tensor(apply_crop(a, s, y, x, self.size, flip)), to_tensor(apply_crop(b, s, y, x, self.size, flip))
