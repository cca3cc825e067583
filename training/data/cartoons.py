"""Build the cartoon domains for training from installed packages.

    python -m training.data.cartoons --out data/cartoon [--faces N] [--clipart N] [--scenery N] [--seed S]

Domains (256x256 PNGs):
  outline/   facesjs faces (Node script) + openclipart composites on flat/gradient/painted backgrounds
  scenery/   crops and downscaled whole images of hedgewars-data and supertux-data scenery
  outline-smooth/, scenery-smooth/   edge-smoothed copies with the same names (CartoonGAN)
  MANIFEST.tsv   file, domain, package, source file(s), licence, note

Idempotent (existing images are kept; the manifest keeps their rows), deterministic given --seed,
at most 2 worker processes.
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from . import clipart, faces, scenery
from .edges import edge_smooth
from .imaging import write_png
from .licences import package_file_licence

SIZE = 256
FIELDS = ("file", "domain", "package", "source", "licence", "note")
Row = dict[str, str]


@dataclass(frozen=True)
class Config:
    out: str
    seed: int
    clip_pool: tuple[str, ...] = ()
    scen_pool: tuple[tuple[str, str, float], ...] = ()


_CFG: Config | None = None


def _init_worker(cfg: Config) -> None:
    global _CFG
    _CFG = cfg
    cv2.setNumThreads(1)


def _paths(out: str, domain: str, name: str) -> tuple[str, str]:
    return os.path.join(out, domain, name), os.path.join(out, f"{domain}-smooth", name)


def _save_pair(out: str, domain: str, name: str, img: np.ndarray) -> None:
    main, smooth = _paths(out, domain, name)
    if not os.path.exists(main):
        write_png(main, img)
    if not os.path.exists(smooth):
        write_png(smooth, edge_smooth(img))


# ---------------------------------------------------------------- tasks (run in workers)

def task_face_smooth(i: int) -> Row:
    cfg = _CFG
    assert cfg is not None
    name = faces.face_name(i)
    main, smooth = _paths(cfg.out, "outline", name)
    if not os.path.exists(smooth):
        img = cv2.imread(main, cv2.IMREAD_COLOR)
        if img is None:
            raise RuntimeError(f"face {main} missing after rendering")
        write_png(smooth, edge_smooth(img))
    json_dir = os.path.join(cfg.out, "faces-json")
    return {"file": f"outline/{name}", "domain": "outline", "package": f"{faces.PACKAGE}@{faces.facesjs_version()}",
            "source": faces.face_source(json_dir, cfg.out, i, cfg.seed), "licence": faces.LICENCE,
            "note": "rendered with sharp"}


def task_clipart(i: int) -> Row:
    cfg = _CFG
    assert cfg is not None
    rng = np.random.default_rng([cfg.seed, 1, i])
    k = int(rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15]))
    idx = rng.choice(len(cfg.clip_pool), size=min(k, len(cfg.clip_pool)), replace=False)
    chosen = [cfg.clip_pool[j] for j in idx]
    name = f"clipart-{i:05d}.png"
    img, kind = clipart.composite(chosen, rng, SIZE)
    _save_pair(cfg.out, "outline", name, img)
    return {"file": f"outline/{name}", "domain": "outline", "package": clipart.PACKAGE, "source": ";".join(chosen),
            "licence": clipart.LICENCE, "note": f"{len(chosen)} composited on {kind} background"}


def task_scenery(i: int) -> Row:
    cfg = _CFG
    assert cfg is not None
    rng = np.random.default_rng([cfg.seed, 2, i])
    packages = sorted({p for p, _, _ in cfg.scen_pool})
    by_pkg = {p: [(path, w) for q, path, w in cfg.scen_pool if q == p] for p in packages}
    name = f"scenery-{i:05d}.png"
    for _attempt in range(20):
        package = packages[int(rng.integers(len(packages)))]
        items = by_pkg[package]
        weights = np.array([w for _, w in items], np.float64)
        path = items[int(rng.choice(len(items), p=weights / weights.sum()))][0]
        img, note = scenery.make_crop(path, rng, SIZE)
        if img is not None:
            _save_pair(cfg.out, "scenery", name, img)
            return {"file": f"scenery/{name}", "domain": "scenery", "package": package, "source": path,
                    "licence": package_file_licence(package, path), "note": note}
    raise RuntimeError(f"no usable scenery crop for {name}")


# ---------------------------------------------------------------- orchestration

def _run(pool: mp.pool.Pool | None, fn: Callable[[int], Row], items: list[int], label: str) -> list[Row]:
    rows: list[Row] = []
    if not items:
        return rows
    t0 = time.time()
    step = max(1, len(items) // 10)
    it: Iterable[Row] = pool.imap(fn, items, chunksize=8) if pool else map(fn, items)
    for n, row in enumerate(it, 1):
        rows.append(row)
        if n % step == 0 or n == len(items):
            print(f"  {label}: {n}/{len(items)} ({time.time() - t0:.1f}s)", flush=True)
    return rows


def read_manifest(path: str) -> dict[str, Row]:
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {r["file"]: dict(r) for r in csv.DictReader(f, delimiter="\t")}


def write_manifest(path: str, rows: list[Row]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in sorted(rows, key=lambda r: r["file"]):
            w.writerow({k: r.get(k, "") for k in FIELDS})
    os.replace(tmp, path)


def _scan_cached(pool: mp.pool.Pool | None, cache: str, fn: Callable, items: list, key: Callable,
                 label: str) -> list[tuple]:
    """Score candidates once; results are cached in a TSV under out/.cache."""
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            rows = [tuple(line.rstrip("\n").split("\t")) for line in f]
        known = {r[0] for r in rows}
        if all(key(x) in known for x in items):
            return rows
    print(f"  scanning {len(items)} {label} candidates ...", flush=True)
    t0 = time.time()
    res = list(pool.imap(fn, items, chunksize=16)) if pool else [fn(x) for x in items]
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, "w", encoding="utf-8") as f:
        for r in res:
            f.write("\t".join(str(v) for v in r) + "\n")
    print(f"  scanned {label} in {time.time() - t0:.1f}s", flush=True)
    return [tuple(str(v) for v in r) for r in res]


def _clip_key(p: str) -> str:
    return p


def _scen_key(item: tuple[str, str]) -> str:
    return item[1]


def _scen_scan(item: tuple[str, str]) -> tuple:
    package, path, ok, reason, w = scenery.score_path(item)
    return path, package, ok, reason, w


def build(out: str, n_faces: int, n_clipart: int, n_scenery: int, seed: int = 1, jobs: int = 2) -> list[Row]:
    jobs = max(1, min(2, jobs))
    t0 = time.time()
    for d in ("outline", "outline-smooth", "scenery", "scenery-smooth", "faces-json"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    manifest_path = os.path.join(out, "MANIFEST.tsv")
    old = read_manifest(manifest_path)

    def todo(domain: str, names: list[tuple[int, str]]) -> tuple[list[int], list[Row]]:
        keep, run = [], []
        for i, name in names:
            main, smooth = _paths(out, domain, name)
            row = old.get(f"{domain}/{name}")
            if row and os.path.exists(main) and os.path.exists(smooth):
                keep.append(row)
            else:
                run.append(i)
        return run, keep

    rows: list[Row] = []
    if n_faces:
        print(f"faces: rendering {n_faces} with {faces.SCRIPT.name}", flush=True)
        faces.render_faces(os.path.join(out, "outline"), os.path.join(out, "faces-json"), n_faces, seed, SIZE)

    cfg = Config(out=out, seed=seed)
    # spawn, not fork: forking a process that has torch (or other threaded libraries) loaded can deadlock.
    ctx = mp.get_context("spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(cfg,)) if jobs > 1 else _NoPool() as pool0:
        pool = pool0 if jobs > 1 else None
        if not pool:
            _init_worker(cfg)
        clip_pool: list[str] = []
        if n_clipart:
            cands = clipart.list_clipart()
            if not cands:
                raise RuntimeError(f"no clip-art under {clipart.CLIPART_ROOT}; install the Debian package openclipart-png")
            scanned = _scan_cached(pool, os.path.join(out, ".cache", "clipart-scan.tsv"), clipart.score_path, cands,
                                   _clip_key, "clip-art")
            clip_pool = sorted(r[0] for r in scanned if r[1] == "True" and r[0] in set(cands))
            print(f"  clip-art pool: {len(clip_pool)} of {len(cands)} accepted", flush=True)
        scen_pool: list[tuple[str, str, float]] = []
        if n_scenery:
            cands2 = scenery.list_scenery()
            if not cands2:
                raise RuntimeError("no scenery images; install the Debian packages hedgewars-data and supertux-data")
            scanned2 = _scan_cached(pool, os.path.join(out, ".cache", "scenery-scan.tsv"), _scen_scan, cands2,
                                    _scen_key, "scenery")
            valid = {p for _, p in cands2}
            scen_pool = sorted((r[1], r[0], float(r[4])) for r in scanned2 if r[2] == "True" and r[0] in valid)
            print(f"  scenery pool: {len(scen_pool)} of {len(cands2)} accepted "
                  f"({dict(Counter(p for p, _, _ in scen_pool))})", flush=True)

    # Second pool: workers need the selected pools in their config.
    cfg = Config(out=out, seed=seed, clip_pool=tuple(clip_pool), scen_pool=tuple(scen_pool))
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(cfg,)) if jobs > 1 else _NoPool() as pool0:
        pool = pool0 if jobs > 1 else None
        if not pool:
            _init_worker(cfg)
        for label, domain, n, fn, prefix in (
            ("faces (smooth copies)", "outline", n_faces, task_face_smooth, "face"),
            ("clip-art composites", "outline", n_clipart, task_clipart, "clipart"),
            ("scenery crops", "scenery", n_scenery, task_scenery, "scenery"),
        ):
            if not n:
                continue
            run, keep = todo(domain, [(i, f"{prefix}-{i:05d}.png") for i in range(n)])
            print(f"{label}: {len(keep)} present, {len(run)} to make", flush=True)
            rows.extend(keep)
            rows.extend(_run(pool, fn, run, label))
            write_manifest(manifest_path, _merge(old, rows, out))

    merged = _merge(old, rows, out)
    write_manifest(manifest_path, merged)
    counts = Counter((r["domain"], r["package"]) for r in rows)
    print(f"made/kept {len(rows)} images in {time.time() - t0:.1f}s under {out}:")
    for (domain, package), c in sorted(counts.items()):
        print(f"  {domain:8s} {package:22s} {c}")
    print(f"  manifest: {manifest_path} ({len(merged)} rows)")
    return rows


def _merge(old: dict[str, Row], rows: list[Row], out: str) -> list[Row]:
    """New rows win; old rows are kept for files that still exist (e.g. from a bigger earlier run)."""
    merged = {k: v for k, v in old.items() if os.path.exists(os.path.join(out, k))}
    merged.update({r["file"]: r for r in rows})
    return list(merged.values())


class _NoPool:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.data.cartoons", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/cartoon", help="output folder (default data/cartoon)")
    ap.add_argument("--faces", type=int, default=1500, help="facesjs faces (default 1500)")
    ap.add_argument("--clipart", type=int, default=1500, help="clip-art composites (default 1500)")
    ap.add_argument("--scenery", type=int, default=2000, help="scenery crops (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes, at most 2 (default 2)")
    a = ap.parse_args(argv)
    build(a.out, a.faces, a.clipart, a.scenery, a.seed, a.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
