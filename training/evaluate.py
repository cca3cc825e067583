"""Evaluate exported generators on held-out photos: contact sheets, metrics, speed.

    python -m training.evaluate [--models models] [--docs docs]

Held-out photos: ``../shared/datasets/eval-portraits`` (never in training) and the scenes listed in
``training/holdout-scenes.txt`` (excluded from training by the trainer). Metrics (means over the
held-out photos; every model runs through its exported ONNX graph, as the server runs it):

- ``flatness``: mean local standard deviation (7x7, per channel) of the output divided by that of
  the input, both measured off the output's outlines (outline pixels dilated by 3 px are left
  out: a stroke is variation by design); lower is flatter colour.
- ``edgeClarity``: share of the output's dark outline pixels (luminance under 70 and 25 below the
  local mean) that lie within 2 px of an input edge (Canny); higher means outlines follow real
  boundaries instead of texture noise.
- ``outlineCoverage``: share of all pixels that are outline pixels (context for edgeClarity).
- ``contentSSIM``: SSIM of Gaussian-blurred (sigma 2) grayscale output vs input; higher keeps more
  of the photo's layout and features.
- ``msAt256`` / ``msAt640x360``: median single-frame latency with onnxruntime (Python, CPU, 2 threads).

The numbers are written into each model card (``metrics``) and into docs/MODEL.md between the
``metrics:start`` / ``metrics:end`` markers; contact sheets go to ``docs/contact-*.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from skimage.metrics import structural_similarity

from .targets import list_images, read_rgb

EVAL_PORTRAITS = Path("../shared/datasets/eval-portraits")
PHOTOS = Path("../shared/datasets/photos")
HOLDOUT = Path("training/holdout-scenes.txt")


def local_std(img: np.ndarray, where: np.ndarray | None = None) -> float:
    """Mean 7x7 local standard deviation, over the pixels of ``where`` (default: all)."""
    f = img.astype(np.float32)
    mean = cv2.blur(f, (7, 7))
    sq = cv2.blur(f * f, (7, 7))
    std = np.sqrt(np.clip(sq - mean * mean, 0, None)).mean(axis=2)
    return float(std[where].mean() if where is not None and where.any() else std.mean())


def flatness(photo: np.ndarray, out: np.ndarray) -> float:
    """Local colour variation of the output relative to the photo's, off the output's outlines
    (a dark stroke is variation by design; the colour regions between strokes should be flat)."""
    lines = cv2.dilate(outline_mask(out).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    regions = ~lines
    return local_std(out, regions) / max(local_std(photo, regions), 1e-6)


def luminance(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)


def outline_mask(img: np.ndarray) -> np.ndarray:
    y = luminance(img).astype(np.float32)
    return (y < 70) & (y < cv2.blur(y, (9, 9)) - 25)


def edge_clarity(photo: np.ndarray, out: np.ndarray) -> tuple[float, float]:
    lines = outline_mask(out)
    edges = cv2.Canny(cv2.GaussianBlur(luminance(photo), (0, 0), 1.0), 40, 100) > 0
    near = cv2.dilate(edges.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    n = int(lines.sum())
    return (float((lines & near).sum()) / n if n else 0.0), float(lines.mean())


def content_ssim(photo: np.ndarray, out: np.ndarray) -> float:
    a = cv2.GaussianBlur(luminance(photo), (0, 0), 2.0)
    b = cv2.GaussianBlur(luminance(out), (0, 0), 2.0)
    return float(structural_similarity(a, b, data_range=255))


def median_ms(session: ort.InferenceSession, h: int, w: int, runs: int = 15) -> float:
    x = np.random.default_rng(0).integers(0, 256, (1, h, w, 3), dtype=np.uint8)
    session.run(None, {"image": x})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        session.run(None, {"image": x})
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def held_out_photos(size: int) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, np.ndarray]]]:
    portraits = [(p.name, read_rgb(p, size)) for p in list_images(EVAL_PORTRAITS)]
    scenes = []
    if HOLDOUT.exists():
        for name in HOLDOUT.read_text().split():
            path = PHOTOS / name
            if path.exists():
                scenes.append((name, read_rgb(path, size)))
    return portraits, scenes


def session_for(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run(session: ort.InferenceSession, img: np.ndarray) -> np.ndarray:
    return session.run(None, {"image": img[None]})[0][0]


def contact_sheet(rows: list[list[np.ndarray]], labels: list[str], tile: int) -> np.ndarray:
    def fit(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        f = tile / max(h, w)
        small = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        canvas = np.full((tile, tile, 3), 255, np.uint8)
        y, x = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
        return canvas

    header = np.full((28, tile * len(labels), 3), 255, np.uint8)
    for i, label in enumerate(labels):
        cv2.putText(header, label, (i * tile + 6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    body = [np.concatenate([fit(img) for img in row], axis=1) for row in rows]
    return np.concatenate([header, *body], axis=0)


def markdown_table(results: dict[str, dict[str, float]]) -> str:
    cols = ["flatness", "edgeClarity", "outlineCoverage", "contentSSIM", "msAt256", "msAt640x360"]
    lines = ["| model | " + " | ".join(cols) + " |", "| --- |" + " --- |" * len(cols)]
    for name, m in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{m.get(c, float('nan')):.3g}" for c in cols) + " |")
    return "\n".join(lines)


def update_marked_section(path: Path, text: str) -> None:
    start, end = "<!-- metrics:start -->", "<!-- metrics:end -->"
    if not path.exists():
        return
    doc = path.read_text()
    if start in doc and end in doc:
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        path.write_text(f"{head}{start}\n{text}\n{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate exported generators on held-out photos.")
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--docs", type=Path, default=Path("docs"))
    ap.add_argument("--size", type=int, default=256, help="short side the photos are evaluated at")
    args = ap.parse_args(argv)
    cards = sorted(args.models.glob("*.json"))
    if not cards:
        print(f"error: no model cards in {args.models}")
        return 2
    portraits, scenes = held_out_photos(args.size)
    sessions = {json.loads(c.read_text())["name"]: session_for(args.models / json.loads(c.read_text())["files"]["fp32"])
                for c in cards}
    results: dict[str, dict[str, float]] = {}
    outputs: dict[str, list[np.ndarray]] = {}
    every = portraits + scenes
    for name, session in sessions.items():
        outs = [run(session, img) for _, img in every]
        outputs[name] = outs
        flat = np.mean([flatness(p, o) for (_, p), o in zip(every, outs)])
        clarity = [edge_clarity(p, o) for (_, p), o in zip(every, outs)]
        results[name] = {
            "flatness": round(float(flat), 4),
            "edgeClarity": round(float(np.mean([c[0] for c in clarity])), 4),
            "outlineCoverage": round(float(np.mean([c[1] for c in clarity])), 4),
            "contentSSIM": round(float(np.mean([content_ssim(p, o) for (_, p), o in zip(every, outs)])), 4),
            "msAt256": round(median_ms(session, 256, 256), 1),
            "msAt640x360": round(median_ms(session, 360, 640), 1),
            "heldOutPhotos": len(every),
        }
        print(f"{name}: {results[name]}", flush=True)
    for card_path in cards:
        card = json.loads(card_path.read_text())
        card["metrics"] = results[card["name"]]
        card_path.write_text(json.dumps(card, indent=2) + "\n")
    args.docs.mkdir(parents=True, exist_ok=True)
    names = list(sessions)
    for title, group, offset in (("portraits", portraits, 0), ("scenes", scenes, len(portraits))):
        if not group:
            continue
        rows = [[img] + [outputs[n][offset + i] for n in names] for i, (_, img) in enumerate(group)]
        sheet = contact_sheet(rows, ["input", *names], 224)
        cv2.imwrite(str(args.docs / f"contact-{title}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.docs / f'contact-{title}.png'}")
    # The input itself as a reference row: what "no cartoonization" scores.
    identity = {
        "flatness": 1.0,
        "edgeClarity": round(float(np.mean([edge_clarity(p, p)[0] for _, p in every])), 4),
        "outlineCoverage": round(float(np.mean([edge_clarity(p, p)[1] for _, p in every])), 4),
        "contentSSIM": 1.0,
    }
    table = markdown_table({"(input photo)": identity, **results})
    update_marked_section(args.docs / "MODEL.md", table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
