"""Re-export shipped generators with the current cartoon tail, without their training checkpoints.

    python -m training.reexport models/toon-fast.json [models/toon-hq.json ...] [--no-fp16]

The cartoon tail (``TAIL_SPECS`` in ``training/nets.py``) has no weights: changing it changes
the look of every generator of that style without retraining its U-Net. This takes the U-Net's
weights from the exported ONNX graph (its initialisers keep the PyTorch parameter names), builds
the generator with the current tail, writes both ONNX files again and records the tail in the
model card; the card's training record (data, steps, hardware) is kept as it was. Run
``python -m training.evaluate`` afterwards: the card's metrics belong to the old tail until then.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import onnx
import torch
from onnx import numpy_helper

from .export import export_onnx
from .nets import CartoonGenerator, build_generator, unfold_stem_weight

PREFIX = "generator.unet."


def unet_weights(onnx_path: Path) -> dict[str, torch.Tensor]:
    """The U-Net's parameters, by PyTorch name, from an exported frame-contract graph."""
    model = onnx.load(str(onnx_path))
    weights = {
        init.name[len(PREFIX):]: torch.from_numpy(numpy_helper.to_array(init).copy())
        for init in model.graph.initializer
        if init.name.startswith(PREFIX)
    }
    if not weights:
        raise ValueError(f"{onnx_path} holds no {PREFIX}* weights (not a graph written by training.export)")
    if "stem.weight" in weights:  # exported with fold_stem(): back to pixel-unshuffle + enc0.0
        stem = weights.pop("stem.weight")
        # enc0's kernel on blocks is 3x3 (nets.UNetGenerator), so the folded one is 3*block wide.
        weights["enc0.0.weight"] = unfold_stem_weight(stem, stem.shape[-1] // 3)
        weights["enc0.0.bias"] = weights.pop("stem.bias")
    return weights


def generator_from_onnx(onnx_path: Path, kind: str, style: str) -> CartoonGenerator:
    """A ``kind`` generator with the current ``style`` tail and the U-Net weights of ``onnx_path``."""
    g = build_generator(kind, style)
    assert isinstance(g, CartoonGenerator)
    g.unet.load_state_dict(unet_weights(onnx_path))  # strict: every U-Net parameter must be there
    return g.eval()


def reexport(card_path: Path, fp16: bool = True) -> Path:
    card = json.loads(card_path.read_text())
    out = card_path.parent
    fp32_path = out / card["files"]["fp32"]
    generator = generator_from_onnx(fp32_path, str(card["kind"]), str(card["style"]))
    export_onnx(generator, fp32_path)
    files = {"fp32": fp32_path.name}
    if fp16:
        fp16_path = out / f"{card['name']}.fp16.onnx"
        export_onnx(generator, fp16_path, fp16=True)
        files["fp16"] = fp16_path.name
    card["files"] = files
    card["tail"] = dataclasses.asdict(generator.tail.spec)
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return fp32_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Re-export shipped generators with the current cartoon tail.")
    ap.add_argument("cards", type=Path, nargs="+", help="model cards, e.g. models/toon-fast.json")
    ap.add_argument("--no-fp16", action="store_true")
    args = ap.parse_args(argv)
    for card in args.cards:
        try:
            path = reexport(card, fp16=not args.no_fp16)
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            print(f"error: {card}: {error}", file=sys.stderr)
            return 2
        print(f"re-exported {path} with the current {json.loads(card.read_text())['style']} tail")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
