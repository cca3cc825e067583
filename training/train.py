"""Train a cartoon generator: initialisation on dense targets, then adversarial training.

    python -m training.train --config training/configs/toon-fast.toml [--device cuda] [--max-minutes 60]

Phase 1 (``init_steps``): the generator learns the dense cartoon target of each photo (surface +
structure + clean outlines, see ``training.targets``) plus a blurred-luminance content term.
Phase 2: three spectral-norm PatchGAN discriminators join (LSGAN): an edge-promoting one on RGB
(real cartoons real; generated images and edge-smoothed cartoons fake), a surface one on
guided-filtered images and a texture one on randomly weighted grays; plus White-box's structure
loss (SLIC of the generator's own output) and total variation. Optional distillation from a
bigger trained generator (``distill_from``).

Resumable: the run folder keeps ``checkpoint.pt`` (written atomically every ``checkpoint_every``
steps, at the end of the time budget and on Ctrl-C / SIGTERM), ``losses.csv`` and sample grids.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from . import losses as L
from .nets import GENERATOR_SPECS, PatchDiscriminator, build_generator, conv_gflops, count_params, generator_stride
from .samplers import AlignedSampler, load_cartoon_pairs, load_target_pairs, read_rgb, to_tensor, to_uint8


@dataclass
class Weights:
    target: float = 1.0
    content: float = 0.5
    adv_edge: float = 0.05
    adv_surface: float = 0.05
    adv_texture: float = 0.05
    structure: float = 0.2
    tv: float = 0.02
    distill: float = 0.0


@dataclass
class TrainConfig:
    name: str
    style: str
    generator: str
    targets: str
    cartoons: str
    cartoons_smooth: str
    run_dir: str = ""
    crop: int = 128
    min_scale: float = 0.55
    batch: int = 8
    init_steps: int = 1000
    steps: int = 5000
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    threads: int = 2
    seed: int = 1
    checkpoint_every: int = 250
    sample_every: int = 500
    log_every: int = 25
    sample_photos: list[str] = field(default_factory=list)
    distill_from: str = ""
    holdout: str = "training/holdout-scenes.txt"
    weights: Weights = field(default_factory=Weights)

    @staticmethod
    def load(path: Path, overrides: dict[str, object] | None = None) -> "TrainConfig":
        raw = tomllib.loads(path.read_text())
        raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
        weights = Weights(**raw.pop("weights", {}))
        cfg = TrainConfig(**raw, weights=weights)
        if not cfg.run_dir:
            cfg.run_dir = f"runs/{cfg.name}"
        stride = generator_stride(GENERATOR_SPECS[cfg.generator]) if cfg.generator in GENERATOR_SPECS else 4
        if cfg.crop % stride:
            raise ValueError(f"crop must be a multiple of {stride} for the {cfg.generator} generator, got {cfg.crop}")
        return cfg


class Trainer:
    def __init__(self, cfg: TrainConfig, device: torch.device, data_limit: int | None = None) -> None:
        self.cfg = cfg
        self.device = device
        self.run_dir = Path(cfg.run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(cfg.seed)
        self.g = build_generator(cfg.generator, cfg.style).to(device)
        self.d_edge = PatchDiscriminator(3).to(device)
        self.d_surface = PatchDiscriminator(3).to(device)
        self.d_texture = PatchDiscriminator(1).to(device)
        d_params = [*self.d_edge.parameters(), *self.d_surface.parameters(), *self.d_texture.parameters()]
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=cfg.lr_g, betas=(0.5, 0.99))
        self.opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=(0.5, 0.99))
        self.step = 0
        self.images_seen = 0
        self.seconds = 0.0
        self.teacher = self._load_teacher(cfg.distill_from) if cfg.distill_from else None

        t0 = time.time()
        pairs = load_target_pairs(Path(cfg.targets), data_limit, holdout_stems(Path(cfg.holdout)))
        self.photos = AlignedSampler(pairs, cfg.crop, cfg.min_scale, cfg.seed)
        print(f"[{cfg.name}] data: {len(pairs)} photo/target pairs (loaded in {time.time() - t0:.0f}s)", flush=True)
        self.data_limit = data_limit
        self.cartoons: AlignedSampler | None = None  # loaded when the adversarial phase starts
        self.sample_inputs = self._load_sample_inputs()
        self._resume()

    def _load_teacher(self, path: str) -> torch.nn.Module:
        ckpt = torch.load(path, map_location=self.device, weights_only=False)
        teacher = build_generator(ckpt["config"]["generator"], ckpt["config"]["style"]).to(self.device)
        teacher.unet.load_state_dict(ckpt["g"])
        teacher.eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        return teacher

    def _load_sample_inputs(self) -> torch.Tensor | None:
        imgs = []
        for p in self.cfg.sample_photos:
            path = Path(p)
            if path.exists():
                imgs.append(cv2.resize(read_rgb(path, 256), (192, 192), interpolation=cv2.INTER_AREA))
        return to_tensor(np.stack(imgs)).to(self.device) if imgs else None

    def cartoon_sampler(self) -> AlignedSampler:
        if self.cartoons is None:
            cfg = self.cfg
            cartoons = load_cartoon_pairs(Path(cfg.cartoons), Path(cfg.cartoons_smooth), self.data_limit)
            if not cartoons:
                raise SystemExit(f"error: no cartoons in {cfg.cartoons} (with edge-smoothed copies in "
                                 f"{cfg.cartoons_smooth}); run python -m training.data.cartoons first")
            print(f"[{cfg.name}] adversarial phase: {len(cartoons)} cartoons", flush=True)
            self.cartoons = AlignedSampler(cartoons, cfg.crop, cfg.min_scale, cfg.seed + 1)
        return self.cartoons

    # --- checkpoints -------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    def save(self) -> None:
        state = {
            "config": asdict(self.cfg),
            "step": self.step,
            "images_seen": self.images_seen,
            "seconds": self.seconds,
            "g": self.g.unet.state_dict(),  # the tail has no weights
            "d_edge": self.d_edge.state_dict(),
            "d_surface": self.d_surface.state_dict(),
            "d_texture": self.d_texture.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "hardware": hardware_description(self.device),
        }
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.checkpoint_path)

    def _resume(self) -> None:
        if not self.checkpoint_path.exists():
            return
        state = torch.load(self.checkpoint_path, map_location=self.device, weights_only=False)
        self.g.unet.load_state_dict(state["g"])
        self.d_edge.load_state_dict(state["d_edge"])
        self.d_surface.load_state_dict(state["d_surface"])
        self.d_texture.load_state_dict(state["d_texture"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.step = int(state["step"])
        self.images_seen = int(state["images_seen"])
        self.seconds = float(state["seconds"])
        print(f"[{self.cfg.name}] resumed at step {self.step}", flush=True)

    # --- one step ----------------------------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        cfg, w = self.cfg, self.cfg.weights
        photo, target = (t.to(self.device) for t in self.photos.sample(cfg.batch))
        if self.teacher is not None and w.distill > 0:
            with torch.no_grad():
                teacher_out = self.teacher(photo)
        adversarial = self.step >= cfg.init_steps
        logs: dict[str, float] = {}

        fake = self.g(photo)
        if adversarial:
            cartoon, smooth = (t.to(self.device) for t in self.cartoon_sampler().sample(cfg.batch))
            fake_d = fake.detach()
            gen = torch.Generator().manual_seed(self.step)
            d_loss_edge = L.lsgan_d_loss(self.d_edge(cartoon), L.edge_promoting_fakes(self.d_edge(smooth), self.d_edge(fake_d)))
            d_loss_surface = L.lsgan_d_loss(self.d_surface(L.surface(cartoon)), [self.d_surface(L.surface(fake_d))])
            d_loss_texture = L.lsgan_d_loss(
                self.d_texture(L.random_colour_gray(cartoon, gen)), [self.d_texture(L.random_colour_gray(fake_d, gen))]
            )
            d_loss = d_loss_edge + d_loss_surface + d_loss_texture
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
            logs.update(d_edge=d_loss_edge.item(), d_surface=d_loss_surface.item(), d_texture=d_loss_texture.item())

        g_loss = w.target * L.target_loss(fake, target)
        logs["target_l1"] = F.l1_loss(fake, target).item()
        content = L.content_loss(fake, photo)
        g_loss = g_loss + w.content * content
        logs["content"] = content.item()
        if self.teacher is not None and w.distill > 0:
            distill = F.l1_loss(fake, teacher_out)
            g_loss = g_loss + w.distill * distill
            logs["distill"] = distill.item()
        if adversarial:
            gen = torch.Generator().manual_seed(self.step + 1)
            adv_edge = L.lsgan_g_loss(self.d_edge(fake))
            adv_surface = L.lsgan_g_loss(self.d_surface(L.surface(fake)))
            adv_texture = L.lsgan_g_loss(self.d_texture(L.random_colour_gray(fake, gen)))
            structure = L.structure_loss(fake)
            tv = L.total_variation(fake)
            g_loss = (g_loss + w.adv_edge * adv_edge + w.adv_surface * adv_surface + w.adv_texture * adv_texture
                      + w.structure * structure + w.tv * tv)
            logs.update(g_edge=adv_edge.item(), g_surface=adv_surface.item(), g_texture=adv_texture.item(),
                        structure=structure.item(), tv=tv.item())
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        logs["g_total"] = g_loss.item()
        self.step += 1
        self.images_seen += cfg.batch
        return logs

    # --- outputs -----------------------------------------------------------------------------
    def write_samples(self) -> None:
        if self.sample_inputs is None:
            return
        self.g.eval()
        with torch.no_grad():
            out = self.g(self.sample_inputs)
        self.g.train()
        top = np.concatenate(list(to_uint8(self.sample_inputs)), axis=1)
        bottom = np.concatenate(list(to_uint8(out)), axis=1)
        grid = np.concatenate([top, bottom], axis=0)
        path = self.run_dir / f"samples-{self.step:06d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(self.run_dir / "samples-latest.png"), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))

    def run(self, max_minutes: float | None) -> None:
        cfg = self.cfg
        print(f"[{cfg.name}] generator {cfg.generator}: {count_params(self.g) / 1e6:.3f}M params, "
              f"{conv_gflops(self.g):.2f} GFLOPs@256; steps {self.step}->{cfg.steps} "
              f"(init {cfg.init_steps}), batch {cfg.batch}x{cfg.crop}px on {self.device}", flush=True)
        stop = {"now": False}

        def request_stop(signum: int, _frame: object) -> None:
            print(f"[{cfg.name}] signal {signum}: saving and stopping", flush=True)
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        log_path = self.run_dir / "losses.csv"
        deadline = time.time() + max_minutes * 60 if max_minutes else None
        window_start, window_images = time.time(), 0
        sums: dict[str, float] = {}
        count = 0
        with log_path.open("a", newline="") as log_file:
            writer: csv.DictWriter[str] | None = None
            while self.step < cfg.steps and not stop["now"]:
                t = time.time()
                logs = self.train_step()
                self.seconds += time.time() - t
                window_images += cfg.batch
                for k, v in logs.items():
                    sums[k] = sums.get(k, 0.0) + v
                count += 1
                if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                    rate = window_images / max(1e-6, time.time() - window_start)
                    row = {"step": self.step, "phase": "adv" if self.step > cfg.init_steps else "init",
                           "images_per_s": round(rate, 2), **{k: round(v / count, 5) for k, v in sums.items()}}
                    if writer is None or set(row) - set(writer.fieldnames):
                        writer = csv.DictWriter(log_file, fieldnames=list(row), extrasaction="ignore")
                        writer.writeheader()
                    writer.writerow(row)
                    log_file.flush()
                    eta = (cfg.steps - self.step) * cfg.batch / max(rate, 1e-6) / 60
                    pct = 100.0 * self.step / cfg.steps
                    summary = " ".join(f"{k}={v / count:.4f}" for k, v in sums.items())
                    print(f"[{cfg.name}] {pct:5.1f}% step {self.step}/{cfg.steps} {rate:.1f} img/s "
                          f"ETA {eta:.0f} min | {summary}", flush=True)
                    window_start, window_images, sums, count = time.time(), 0, {}, 0
                if self.step % cfg.checkpoint_every == 0:
                    self.save()
                if self.step % cfg.sample_every == 0:
                    self.write_samples()
                if deadline is not None and time.time() > deadline:
                    print(f"[{cfg.name}] time budget reached at step {self.step}", flush=True)
                    break
        self.save()
        self.write_samples()
        (self.run_dir / "summary.json").write_text(json.dumps({
            "name": cfg.name, "step": self.step, "steps": cfg.steps, "images_seen": self.images_seen,
            "train_seconds": round(self.seconds, 1), "hardware": hardware_description(self.device),
        }, indent=2))
        print(f"[{cfg.name}] saved {self.checkpoint_path} at step {self.step}", flush=True)


def holdout_stems(path: Path) -> frozenset[str]:
    """File stems listed in the held-out file (evaluation photos that training must never see)."""
    if not path.exists():
        return frozenset()
    return frozenset(Path(line.strip()).stem for line in path.read_text().splitlines() if line.strip())


def hardware_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA, PyTorch {torch.__version__})"
    return f"CPU, {torch.get_num_threads()} threads ({os.cpu_count()} cores), PyTorch {torch.__version__}"


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda requested but PyTorch sees no CUDA GPU")
    return torch.device(name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train a toonstream cartoon generator.")
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--max-minutes", type=float, default=None, help="stop (and save) after this much wall time")
    ap.add_argument("--steps", type=int, default=None, help="override the config's total steps")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--run-dir", default=None)
    args = ap.parse_args(argv)
    if not args.config.exists():
        print(f"error: config {args.config} not found", file=sys.stderr)
        return 2
    cfg = TrainConfig.load(args.config, {"steps": args.steps, "threads": args.threads, "run_dir": args.run_dir})
    torch.set_num_threads(cfg.threads)
    Trainer(cfg, pick_device(args.device)).run(args.max_minutes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
