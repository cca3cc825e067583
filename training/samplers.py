"""In-memory random-crop samplers for training.

The data sets are small enough (a few thousand images of <=256 px short side) to hold in RAM as
uint8, so sampling a batch is a few array slices: no loader processes competing with training for
the CPU's two cores.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from .targets import IMAGE_SUFFIXES, read_rgb


def to_tensor(batch: np.ndarray) -> torch.Tensor:
    """uint8 (N,H,W,3) -> float (N,3,H,W) in [-1,1]."""
    return torch.from_numpy(batch).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N,3,H,W) in [-1,1] -> uint8 (N,H,W,3)."""
    return ((x.detach().clamp(-1, 1) + 1) * 127.5 + 0.5).permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)


def _random_window(rng: np.random.Generator, h: int, w: int, crop: int, min_scale: float) -> tuple[int, int, int]:
    """A square window of side s (min_scale..1 of the short side), later resized to ``crop``."""
    short = min(h, w)
    s = int(round(short * rng.uniform(min_scale, 1.0)))
    s = max(min(s, short), min(crop // 2, short))
    y = int(rng.integers(0, h - s + 1))
    x = int(rng.integers(0, w - s + 1))
    return y, x, s


def _cut(img: np.ndarray, y: int, x: int, s: int, crop: int, flip: bool) -> np.ndarray:
    patch = img[y : y + s, x : x + s]
    if s != crop:
        interp = cv2.INTER_AREA if s > crop else cv2.INTER_LINEAR
        patch = cv2.resize(patch, (crop, crop), interpolation=interp)
    return patch[:, ::-1] if flip else patch


class AlignedSampler:
    """Random aligned crops from groups of same-size images (photo + its targets)."""

    def __init__(self, groups: list[tuple[np.ndarray, ...]], crop: int, min_scale: float, seed: int) -> None:
        if not groups:
            raise ValueError("no images to sample from")
        self.groups = groups
        self.crop = crop
        self.min_scale = min_scale
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.groups)

    def sample(self, n: int) -> list[torch.Tensor]:
        picks = self.rng.integers(0, len(self.groups), n)
        width = len(self.groups[0])
        out: list[list[np.ndarray]] = [[] for _ in range(width)]
        for i in picks:
            group = self.groups[int(i)]
            h, w = group[0].shape[:2]
            y, x, s = _random_window(self.rng, h, w, self.crop, self.min_scale)
            flip = bool(self.rng.integers(0, 2))
            for k, img in enumerate(group):
                out[k].append(_cut(img, y, x, s, self.crop, flip))
        return [to_tensor(np.ascontiguousarray(np.stack(parts))) for parts in out]


def load_target_pairs(
    folder: Path, limit: int | None = None, exclude_stems: frozenset[str] = frozenset()
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs written by ``training.targets``: <stem>.photo.png (photo) and <stem>.png (target).

    ``exclude_stems`` keeps held-out evaluation photos out of training.
    """
    pairs = []
    for photo_path in sorted(folder.glob("*.photo.png")):
        if photo_path.name[: -len(".photo.png")] in exclude_stems:
            continue
        target_path = photo_path.with_name(photo_path.name.replace(".photo.png", ".png"))
        if not target_path.exists():
            continue
        photo, target = read_rgb(photo_path), read_rgb(target_path)
        if photo.shape == target.shape:
            pairs.append((photo, target))
        if limit is not None and len(pairs) >= limit:
            break
    return pairs


def load_cartoon_pairs(folder: Path, smooth_folder: Path, limit: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real cartoons and their edge-smoothed copies (same file names in two folders)."""
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    if not folder.is_dir():
        return pairs
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        smooth_path = smooth_folder / path.name
        if not smooth_path.exists():
            continue
        pairs.append((read_rgb(path), read_rgb(smooth_path)))
        if limit is not None and len(pairs) >= limit:
            break
    return pairs
