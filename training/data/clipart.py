"""Openclipart (Debian `openclipart-png`, public domain) selection and compositing."""
from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from .imaging import alpha_bbox, background, composite_premul, premultiply, read_rgba

CLIPART_ROOT = "/usr/share/openclipart/png"
PACKAGE = "openclipart-png"
LICENCE = "public domain (CC0)"
# Categories that are mostly text, symbols, geometric shapes or UI, not pictures.
SKIP_DIRS = ("signs_and_symbols/", "transportation/roadsigns/", "buttons/", "computer/icons", "computer/buttons",
             "shapes/", "unsorted/",
             "education/alphabet", "special/", "logos/")


def list_clipart(root: str = CLIPART_ROOT) -> list[str]:
    """All clip-art PNGs under `root`, sorted (deterministic order)."""
    out: list[str] = []
    for d, _dirs, files in os.walk(root):
        for f in files:
            if f.lower().endswith(".png"):
                p = os.path.join(d, f)
                rel = os.path.relpath(p, root)
                if not rel.startswith(SKIP_DIRS):
                    out.append(p)
    return sorted(out)


@dataclass(frozen=True)
class ClipScore:
    ok: bool
    reason: str


def score_clipart(rgba: np.ndarray) -> ClipScore:
    """Accept colourful, non-trivial clip-art with a decent amount of dark outline."""
    h, w = rgba.shape[:2]
    if min(h, w) < 64 or max(h, w) < 128:
        return ClipScore(False, "tiny")
    if (rgba[..., 3] < 250).mean() < 0.05:
        return ClipScore(False, "no transparency")
    bb = alpha_bbox(rgba, 128)
    if bb is None:
        return ClipScore(False, "empty")
    y0, y1, x0, x1 = bb
    if min(y1 - y0, x1 - x0) < 48:
        return ClipScore(False, "tiny content")
    crop = rgba[y0:y1, x0:x1]
    s = 192 / max(crop.shape[:2])
    if s < 1:
        crop = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    opaque = crop[..., 3] > 200
    n = int(opaque.sum())
    if n < 2500 or opaque.mean() < 0.15:
        return ClipScore(False, "near-empty")
    hsv = cv2.cvtColor(np.ascontiguousarray(crop[..., :3]), cv2.COLOR_BGR2HSV)[opaque]
    sat, val = hsv[:, 1].astype(np.float32), hsv[:, 2].astype(np.float32)
    dark = float((val < 70).mean())
    colourful = float(((sat > 70) & (val > 70)).mean())
    if dark < 0.02:
        return ClipScore(False, "no outline")
    if dark > 0.45:
        return ClipScore(False, "too dark")
    if colourful < 0.25:
        return ClipScore(False, "not colourful")
    q = (crop[..., :3][opaque] // 32).astype(np.int32)
    codes = q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2]
    counts = np.bincount(codes, minlength=512)
    if int((counts > 0.01 * n).sum()) < 4:
        return ClipScore(False, "too few colours")
    # Mostly thin lines with little fill (line art, text) look poor as flat-colour cartoons.
    edges = cv2.Canny(cv2.cvtColor(np.ascontiguousarray(crop[..., :3]), cv2.COLOR_BGR2GRAY), 100, 200)
    if float((edges[opaque] > 0).mean()) > 0.3:
        return ClipScore(False, "too busy")
    return ClipScore(True, "ok")


def score_path(path: str) -> tuple[str, bool, str]:
    img = read_rgba(path)
    if img is None:
        return path, False, "unreadable"
    s = score_clipart(img)
    return path, s.ok, s.reason


def composite(paths: list[str], rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, str]:
    """Composite clip-arts at random scale and position on a flat/gradient/painted background."""
    canvas, kind = background(size, rng)
    k = len(paths)
    for i, p in enumerate(paths):
        rgba = read_rgba(p)
        if rgba is None:
            continue
        bb = alpha_bbox(rgba, 8)
        if bb is None:
            continue
        y0, y1, x0, x1 = bb
        rgba = rgba[y0:y1, x0:x1]
        if rng.random() < 0.5:
            rgba = rgba[:, ::-1]
        frac = rng.uniform(0.55, 0.95) if k == 1 else rng.uniform(0.35, 0.65)
        scale = frac * size / max(rgba.shape[:2])
        fh, fw = max(1, round(rgba.shape[0] * scale)), max(1, round(rgba.shape[1] * scale))
        pm = premultiply(np.ascontiguousarray(rgba))
        pm = cv2.resize(pm, (fw, fh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        pm = np.clip(pm, 0, 1)
        pm[..., :3] = np.minimum(pm[..., :3], pm[..., 3:4])
        # Keep most of each clip-art inside the frame.
        ymin, ymax = -fh // 6, size - fh + fh // 6
        xmin, xmax = -fw // 6, size - fw + fw // 6
        if k > 1:  # spread several over the canvas
            cx = (i + rng.uniform(0.2, 0.8)) / k * size
            x = int(np.clip(cx - fw / 2, xmin, max(xmin, xmax)))
        else:
            x = int(rng.integers(min(xmin, xmax), max(xmin, xmax) + 1))
        y = int(rng.integers(min(ymin, ymax), max(ymin, ymax) + 1))
        pm[..., :3] *= np.float32(255.0)  # colour to the canvas's 0..255 scale; alpha stays 0..1
        composite_premul(canvas, pm, y, x)
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8), kind
