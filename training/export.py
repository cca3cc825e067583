"""Export a trained generator to ONNX with toonstream's frame contract, plus its model card.

    python -m training.export --checkpoint runs/toon-fast/checkpoint.pt [--out models] [--no-fp16]

The graph takes uint8 RGB frames ``image`` [N,H,W,3] of any H and W and returns uint8 RGB
``cartoon`` [N,H,W,3]: normalisation, NHWC<->NCHW, padding to the generator's stride (reflect)
and cropping back all live inside the graph, so callers never touch pixels. An fp16 variant
(``<name>.fp16.onnx``) is written for GPUs; its interface is the same uint8 contract.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .nets import CartoonGenerator, UNetGenerator, build_generator, conv_gflops, count_params, generator_stride

MAX_FILE_BYTES = 10 * 1024 * 1024
STYLE_DESCRIPTIONS = {
    "outline": "Flat colours with clean dark outlines (trained against cartoon faces and clip-art).",
    "scenery": "Painted-scenery look: broad soft-shaded regions and vivid colour (trained against game scenery).",
}


class FrameContract(nn.Module):
    """uint8 NHWC of any size -> generator -> uint8 NHWC of the same size."""

    def __init__(self, generator: nn.Module, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.generator = generator
        self.dtype = dtype

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        h, w = image.shape[1], image.shape[2]
        x = image.permute(0, 3, 1, 2).to(self.dtype) / 127.5 - 1.0
        stride = stride_of(self.generator)
        pad_h = (stride - h % stride) % stride
        pad_w = (stride - w % stride) % stride
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        gen = self.generator
        if isinstance(gen, CartoonGenerator):
            # The tail's running sums overflow fp16 on large frames: it always runs in fp32.
            y = gen.tail(x.float(), gen.body(x).float())[:, :, :h, :w]
        else:
            y = gen(x).float()[:, :, :h, :w]
        y = torch.clamp((y + 1.0) * 127.5 + 0.5, 0.0, 255.0)
        return y.to(torch.uint8).permute(0, 2, 3, 1)


def stride_of(generator: nn.Module) -> int:
    unet = generator.unet if isinstance(generator, CartoonGenerator) else generator
    assert isinstance(unet, UNetGenerator)
    return generator_stride(unet.spec)


def load_generator(checkpoint: Path) -> tuple[nn.Module, dict[str, object]]:
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    cfg = state["config"]
    g = build_generator(str(cfg["generator"]), str(cfg["style"]))
    g.unet.load_state_dict(state["g"])
    g.eval()
    return g, state


def export_onnx(generator: nn.Module, path: Path, fp16: bool = False) -> None:
    generator = copy.deepcopy(generator)  # folded and possibly halved below; the caller's stays as it is
    unet = generator.unet if isinstance(generator, CartoonGenerator) else generator
    if isinstance(unet, UNetGenerator) and unet.spec.space_to_depth > 1 and unet.spec.padding == "zeros":
        unet.fold_stem()
    model = FrameContract(generator.half() if fp16 else generator.float(), torch.float16 if fp16 else torch.float32)
    model.eval()
    example = torch.randint(0, 256, (1, 67, 93, 3), dtype=torch.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            str(tmp),
            input_names=["image"],
            output_names=["cartoon"],
            dynamic_axes={"image": {0: "n", 1: "height", 2: "width"}, "cartoon": {0: "n", 1: "height", 2: "width"}},
            opset_version=17,
            dynamo=False,
        )
    size = tmp.stat().st_size
    if size > MAX_FILE_BYTES:
        tmp.unlink()
        raise SystemExit(f"error: {path.name} would be {size / 1e6:.1f} MB, over the 10 MB limit")
    tmp.replace(path)


def training_data_summary(style: str) -> list[dict[str, object]]:
    """What the model card says the generator was trained on (read from the data manifests)."""
    rows: list[dict[str, object]] = []
    photos = Path("../shared/datasets/photos/MANIFEST.tsv")
    holdout = Path("training/holdout-scenes.txt")
    held_out = set(holdout.read_text().split()) if holdout.exists() else set()
    if photos.exists():
        counts: dict[str, int] = {}
        for line in photos.read_text().splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 5 and cols[0] not in held_out:
                counts[cols[4]] = counts.get(cols[4], 0) + 1
        for category, n in sorted(counts.items()):
            rows.append({"name": f"photos/{category}", "licence": PHOTO_LICENCES.get(category, "see MANIFEST.tsv"), "images": n})
    cartoons = Path("data/cartoon/MANIFEST.tsv")
    if cartoons.exists():
        lines = cartoons.read_text().splitlines()
        header = lines[0].split("\t")
        idx_domain, idx_source, idx_licence = (header.index(k) if k in header else -1 for k in ("domain", "package", "licence"))
        counts2: dict[tuple[str, str], int] = {}
        for line in lines[1:]:
            cols = line.split("\t")
            if idx_domain >= 0 and cols[idx_domain] != style:
                continue
            key = (cols[idx_source] if idx_source >= 0 else "cartoons", cols[idx_licence] if idx_licence >= 0 else "")
            counts2[key] = counts2.get(key, 0) + 1
        for (source, licence), n in sorted(counts2.items()):
            rows.append({"name": f"cartoons/{style}/{source}", "licence": licence, "images": n})
    return rows


PHOTO_LICENCES = {
    "faces": "mixed: research-use face sets (selfie2anime, UTKFace, LFW), CC BY 4.0 (Face Research Lab London/Canada)",
    "scenes": "research use (BSDS500, Sun-Hays 80, Urban100, Set5/Set14)",
    "wallpapers": "GPL / CC (Debian wallpaper packages, per file in MANIFEST.tsv)",
}


def teacher_summary(path: str) -> dict[str, object]:
    """Which generator a distilled student learnt from (name, size, steps), read from its checkpoint."""
    summary: dict[str, object] = {"checkpoint": path}
    if Path(path).exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        summary.update(name=state["config"]["name"], kind=state["config"]["generator"], steps=int(state["step"]))
    return summary


def write_card(name: str, state: dict[str, object], generator: nn.Module, out: Path, has_fp16: bool) -> Path:
    cfg = state["config"]
    assert isinstance(cfg, dict)
    style = str(cfg["style"])
    card_path = out / f"{name}.json"
    metrics: dict[str, float] = {}
    if card_path.exists():  # keep evaluation numbers from an earlier run of training.evaluate
        metrics = json.loads(card_path.read_text()).get("metrics", {})
    card = {
        "name": name,
        "style": style,
        "kind": str(cfg["generator"]),
        "description": STYLE_DESCRIPTIONS.get(style, style),
        "files": {"fp32": f"{name}.onnx", **({"fp16": f"{name}.fp16.onnx"} if has_fp16 else {})},
        "input": {"layout": "NHWC", "dtype": "uint8", "channels": 3, "multipleOf": stride_of(generator),
                  "workingShortSide": 256},
        "params": count_params(generator),
        "gflopsAt256": round(conv_gflops(generator.float()), 2),
        "architecture": f"White-box U-Net ({cfg['generator']} size) + {style} cartoon tail (see docs/MODEL.md)",
        "tail": dataclasses.asdict(generator.tail.spec) if isinstance(generator, CartoonGenerator) else None,
        **({"distilledFrom": teacher_summary(str(cfg["distill_from"]))} if cfg.get("distill_from") else {}),
        "training": {
            "data": training_data_summary(style),
            "steps": int(state["step"]),  # type: ignore[arg-type]
            "initSteps": int(cfg["init_steps"]),
            "imagesSeen": int(state["images_seen"]),  # type: ignore[arg-type]
            "crop": int(cfg["crop"]),
            "hardware": str(state.get("hardware", "unknown")),
            "wallClockMinutes": round(float(state["seconds"]) / 60.0, 1),  # type: ignore[arg-type]
        },
        "licence": "Apache-2.0 (weights); see training.data for the data licences",
        "metrics": metrics,
    }
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return card_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Export a trained generator to ONNX + model card.")
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--name", default=None, help="model name (default: the training config's name)")
    ap.add_argument("--no-fp16", action="store_true")
    args = ap.parse_args(argv)
    if not args.checkpoint.exists():
        print(f"error: checkpoint {args.checkpoint} not found", file=sys.stderr)
        return 2
    generator, state = load_generator(args.checkpoint)
    cfg = state["config"]
    assert isinstance(cfg, dict)
    name = args.name or str(cfg["name"])
    export_onnx(generator, args.out / f"{name}.onnx")
    if not args.no_fp16:
        fp16_gen, _ = load_generator(args.checkpoint)
        export_onnx(fp16_gen, args.out / f"{name}.fp16.onnx", fp16=True)
    card = write_card(name, state, generator, args.out, not args.no_fp16)
    print(f"exported {args.out / (name + '.onnx')} and {card}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
