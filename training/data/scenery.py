"""Painted game scenery from Debian `hedgewars-data` and `supertux-data`: selection and crops."""
from __future__ import annotations

import os

import cv2
import numpy as np

from .imaging import flatten, gradient, read_rgba

# (package, root, subfolders to take images from)
SOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("hedgewars-data", "/usr/share/games/hedgewars/Data", ("Themes", "Maps", "Forts")),
    ("supertux-data", "/usr/share/games/supertux2/images", ("background", "tiles", "worldmap", "decal")),
)
# Masks, previews, UI and particle-like images are not scenery.
SKIP_WORDS = ("mask", "preview", "icon", "font", "light", "glow", "shadow", "flake", "splash", "droplet", "dust",
              "chunk", "border", "girder", "smoke", "cursor", "button", "billboard", "title",
              "blur")
MIN_AREA = 240 * 240
MIN_SIDE = 160


def list_scenery() -> list[tuple[str, str]]:
    """(package, path) of candidate scenery images, sorted."""
    out: list[tuple[str, str]] = []
    for package, root, subs in SOURCES:
        for sub in subs:
            for d, _dirs, files in os.walk(os.path.join(root, sub)):
                for f in files:
                    low = f.lower()
                    if low.endswith((".png", ".jpg", ".jpeg")) and not any(w in low for w in SKIP_WORDS):
                        out.append((package, os.path.join(d, f)))
    return sorted(out)


def score_scenery(rgba: np.ndarray) -> tuple[bool, str, float]:
    """Accept large, mostly opaque, non-flat images. Returns (ok, reason, sampling weight)."""
    h, w = rgba.shape[:2]
    if h * w < MIN_AREA or min(h, w) < MIN_SIDE:
        return False, "small", 0.0
    opaque = float((rgba[..., 3] > 200).mean())
    if opaque < 0.3:
        return False, "mostly transparent", 0.0
    small = cv2.resize(rgba, (128, 128), interpolation=cv2.INTER_AREA)
    sel = small[..., 3] > 200
    if sel.sum() < 500 or float(small[..., :3][sel].std(axis=0).mean()) < 10:
        return False, "flat", 0.0
    # Large painted backgrounds get most weight.
    return True, "ok", float(np.sqrt(h * w) * opaque)


def score_path(item: tuple[str, str]) -> tuple[str, str, bool, str, float]:
    package, path = item
    img = read_rgba(path)
    if img is None:
        return package, path, False, "unreadable", 0.0
    ok, reason, weight = score_scenery(img)
    return package, path, ok, reason, weight


def fitting_background(rgba: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Soft vertical sky-like gradient in the image's own light tones, for flattening alpha."""
    sel = rgba[..., 3] > 200
    mean = rgba[..., :3][sel].mean(axis=0).astype(np.float32) if sel.any() else np.float32([200, 200, 200])
    top = 0.45 * mean + 0.55 * np.float32([240, 215, 170])  # towards light sky blue (BGR)
    bottom = 0.6 * mean + 0.4 * np.float32([240, 240, 240])
    h, w = size
    side = max(h, w)
    g = gradient(side, top, bottom, np.pi / 2 + rng.uniform(-0.2, 0.2))
    return g[:h, :w]


def _detailed(part: np.ndarray, min_std: float = 14.0, min_edges: float = 0.02) -> bool:
    """Reject near-uniform crops (empty sky, plain fill, soft gradients): grey-level spread and edges."""
    g = cv2.cvtColor(np.ascontiguousarray(part[..., :3]), cv2.COLOR_BGR2GRAY)
    g = cv2.resize(g, (128, 128), interpolation=cv2.INTER_AREA)
    if float(g.std()) < min_std:
        return False
    # Some drawn structure, not only a soft gradient or a blurred silhouette.
    return float((cv2.Canny(g, 50, 150) > 0).mean()) >= min_edges


def make_crop(path: str, rng: np.random.Generator, size: int = 256, min_opaque: float = 0.65,
              whole_prob: float = 0.2) -> tuple[np.ndarray | None, str]:
    """A random square crop (or a downscaled whole image), flattened, resized to `size`."""
    rgba = read_rgba(path)
    if rgba is None:
        return None, "unreadable"
    h, w = rgba.shape[:2]
    m = min(h, w)
    alpha = rgba[..., 3] > 200
    box = None
    if rng.random() < whole_prob:
        # Whole image: centre square of the shorter side, downscaled.
        y, x = (h - m) // 2, (w - m) // 2
        if alpha[y:y + m, x:x + m].mean() >= min_opaque * 0.9 and _detailed(rgba[y:y + m, x:x + m]):
            box, mode = (y, x, m), "whole"
    if box is None:
        mode = "crop"
        lo = min(m, max(size * 3 // 4, m // 5))
        hi = min(m, max(lo, int(size * 2.5)))
        for _ in range(25):
            s = int(rng.integers(lo, hi + 1))
            y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
            if alpha[y:y + s, x:x + s].mean() >= min_opaque and _detailed(rgba[y:y + s, x:x + s]):
                box = (y, x, s)
                break
    if box is None:
        return None, "no opaque crop"
    y, x, s = box
    part = rgba[y:y + s, x:x + s]
    flat = flatten(part, fitting_background(rgba, (s, s), rng))
    if rng.random() < 0.5:
        flat = flat[:, ::-1]
    interp = cv2.INTER_AREA if s >= size else cv2.INTER_CUBIC
    out = cv2.resize(np.ascontiguousarray(flat), (size, size), interpolation=interp)
    return out, f"{mode} {x},{y},{s}"
