"""Small image helpers shared by the cartoon builders (BGR uint8, cv2 conventions)."""
from __future__ import annotations

import os

import cv2
import numpy as np


def read_rgba(path: str) -> np.ndarray | None:
    """Read an image as HxWx4 BGRA uint8 (opaque alpha added when missing); None if unreadable."""
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        return None
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGRA)
    elif img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    elif img.shape[2] != 4:
        return None
    return img


def alpha_bbox(rgba: np.ndarray, thresh: int = 16) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the pixels with alpha above `thresh`, or None if there are none."""
    mask = rgba[..., 3] > thresh
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if ys.size == 0:
        return None
    return int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """float32 premultiplied BGRA in [0,1]; resizing it does not bleed transparent colour in."""
    f = rgba.astype(np.float32) / 255.0
    f[..., :3] *= f[..., 3:4]
    return f


def composite_premul(canvas: np.ndarray, fg: np.ndarray, y: int, x: int) -> None:
    """Alpha-composite premultiplied float BGRA `fg` onto float BGR `canvas` at (y, x), clipped."""
    h, w = canvas.shape[:2]
    fh, fw = fg.shape[:2]
    y0, x0 = max(y, 0), max(x, 0)
    y1, x1 = min(y + fh, h), min(x + fw, w)
    if y1 <= y0 or x1 <= x0:
        return
    part = fg[y0 - y:y1 - y, x0 - x:x1 - x]
    a = part[..., 3:4]
    canvas[y0:y1, x0:x1] = part[..., :3] + canvas[y0:y1, x0:x1] * (1.0 - a)


def flatten(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Flatten straight-alpha BGRA onto a BGR background of the same size (uint8 result)."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    out = rgba[..., :3].astype(np.float32) * a + background.astype(np.float32) * (1.0 - a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def hsv_colour(rng: np.random.Generator, s: tuple[float, float], v: tuple[float, float]) -> np.ndarray:
    """A random BGR float colour (0..255) with saturation and value drawn from the given ranges."""
    hsv = np.uint8([[[rng.uniform(0, 180), rng.uniform(*s) * 255, rng.uniform(*v) * 255]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def gradient(size: int, c1: np.ndarray, c2: np.ndarray, angle: float) -> np.ndarray:
    """Linear gradient from c1 to c2 along `angle` (radians), float32 BGR."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1) - 0.5
    t = np.clip(xx * np.cos(angle) + yy * np.sin(angle) + 0.5, 0, 1)[..., None]
    return (c1 * (1 - t) + c2 * t).astype(np.float32)


def painted(size: int, rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """Softly painted background: a few low-frequency blobs of nearby hues, heavily blurred."""
    cells = int(rng.integers(2, 5))
    hsv_base = cv2.cvtColor(np.clip(base, 0, 255).astype(np.uint8)[None, None], cv2.COLOR_BGR2HSV)[0, 0].astype(np.float32)
    grid = np.empty((cells, cells, 3), np.uint8)
    for i in range(cells):
        for j in range(cells):
            h = (hsv_base[0] + rng.uniform(-12, 12)) % 180
            s = np.clip(hsv_base[1] + rng.uniform(-40, 40), 0, 255)
            v = np.clip(hsv_base[2] + rng.uniform(-35, 35), 60, 255)
            grid[i, j] = (h, s, v)
    bgr = cv2.cvtColor(grid, cv2.COLOR_HSV2BGR)
    img = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return cv2.GaussianBlur(img, (0, 0), size / 10)


def background(size: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Flat, soft-gradient or softly painted background (float32 BGR) and its kind."""
    c1 = hsv_colour(rng, (0.05, 0.7), (0.55, 0.98))
    r = rng.random()
    if r < 0.4:
        return np.broadcast_to(c1, (size, size, 3)).astype(np.float32).copy(), "flat"
    if r < 0.7:
        c2 = np.clip(c1 + rng.uniform(-60, 60, 3).astype(np.float32), 40, 255)
        return gradient(size, c1, c2, float(rng.uniform(0, 2 * np.pi))), "gradient"
    return painted(size, rng, c1), "painted"


def write_png(path: str, img: np.ndarray) -> None:
    """Write atomically (temp file + rename), so an interrupted run leaves no half files."""
    tmp = path + ".tmp.png"
    if not cv2.imwrite(tmp, img, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise OSError(f"could not write {path}")
    os.replace(tmp, path)


def contact_sheet(paths: list[str], cols: int = 6, tile: int = 128) -> np.ndarray:
    """Grid of thumbnails, for looking at a sample of a folder."""
    rows = (len(paths) + cols - 1) // cols
    sheet = np.full((rows * tile, cols * tile, 3), 255, np.uint8)
    for k, p in enumerate(paths):
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            continue
        r, c = divmod(k, cols)
        sheet[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = cv2.resize(img, (tile, tile), interpolation=cv2.INTER_AREA)
    return sheet
