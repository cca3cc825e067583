"""facesjs cartoon faces (npm `facesjs`, Apache-2.0), rendered by scripts/data/render-faces.mjs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "data" / "render-faces.mjs"
PACKAGE = "npm:facesjs"
LICENCE = "Apache-2.0"


def facesjs_version() -> str:
    try:
        with open(REPO / "node_modules" / "facesjs" / "package.json", encoding="utf-8") as f:
            return str(json.load(f)["version"])
    except (OSError, KeyError, ValueError):
        return "?"


def render_faces(out_dir: str, json_dir: str, n: int, seed: int, size: int = 256) -> None:
    """Run the Node renderer (idempotent: it skips faces whose PNG exists)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; it is needed to render facesjs faces")
    cmd = [node, str(SCRIPT), "--out", out_dir, "--json-dir", json_dir, "--n", str(n), "--seed", str(seed),
           "--size", str(size)]
    subprocess.run(cmd, check=True, cwd=str(REPO))


def face_name(i: int) -> str:
    return f"face-{i:05d}.png"


def face_source(json_dir: str, out_root: str, i: int, seed: int) -> str:
    rel = os.path.relpath(os.path.join(json_dir, f"face-{i:05d}.json"), out_root)
    return f"facesjs@{facesjs_version()} generate() seed={seed} index={i} ({rel})"
