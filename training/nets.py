"""Generators and discriminators.

Generator: the White-box Cartoonization U-Net (no normalisation layers, additive skips, LeakyReLU,
tanh output), in two sizes sharing one input/output contract:

- ``fast``: the U-Net at half resolution behind a space-to-depth stem (pixel-unshuffle 2x2 -> 12
  channels, pixel-shuffle back at the end), 24 base channels, depthwise-separable residual blocks,
  zero padding (~0.24M params, ~1.1 GFLOPs at 256x256): ~3x faster than a full-resolution U-Net of
  the same cost class on ONNX Runtime's CPU, where full-resolution convolutions with 3-16 channels
  and explicit reflect-padding nodes dominated the time. The cartoon tail still runs at full
  resolution, so boundaries and ink stay sharp;
- ``fast-fullres``: the earlier fast U-Net (16 channels at full resolution, ~0.11M params, ~2.3
  GFLOPs), kept so its checkpoints still load;
- ``hq``: 32 base channels and full residual blocks (~1.47M params, ~16 GFLOPs at 256x256), the
  White-box size, for GPUs and uploads.

The generator takes any size whose sides are multiples of its stride (4, or 8 with the
space-to-depth stem; ``generator_stride``). The export wrapper pads other sizes inside the ONNX
graph and crops back.

Discriminators: PatchGAN with spectral normalisation (LSGAN objective), as in CartoonGAN and
White-box; one for RGB (edge-promoting), one for surfaces (guided-filtered), one for textures (gray).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .guided_filter import fast_guided_filter, guided_filter

STRIDE = 4  # of the full-resolution U-Net; generator_stride() gives any spec's


@dataclass(frozen=True)
class GeneratorSpec:
    channels: int
    res_blocks: int
    separable: bool
    space_to_depth: int = 1  # 2: the U-Net runs at half resolution on 2x2 pixel blocks
    padding: str = "reflect"  # "zeros" lets ONNX Runtime fold the padding into the convolution


GENERATOR_SPECS: dict[str, GeneratorSpec] = {
    "fast": GeneratorSpec(channels=24, res_blocks=4, separable=True, space_to_depth=2, padding="zeros"),
    "fast-fullres": GeneratorSpec(channels=16, res_blocks=4, separable=True),
    "hq": GeneratorSpec(channels=32, res_blocks=4, separable=False),
}


def generator_stride(spec: GeneratorSpec) -> int:
    """Input sides must be multiples of this (two stride-2 stages, times the stem's block)."""
    return STRIDE * spec.space_to_depth


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


def _conv(cin: int, cout: int, k: int = 3, stride: int = 1, separable: bool = False, padding: str = "reflect") -> nn.Module:
    pad = k // 2
    if separable and cin == cout and k > 1:
        return nn.Sequential(
            nn.Conv2d(cin, cin, k, stride, pad, groups=cin, padding_mode=padding),
            nn.Conv2d(cin, cout, 1),
        )
    return nn.Conv2d(cin, cout, k, stride, pad, padding_mode=padding)


def fold_stem_weight(weight: torch.Tensor, block: int) -> torch.Tensor:
    """A k x k kernel over pixel-unshuffled ``block`` x ``block`` blocks [O, C*block^2, k, k] as the
    equal (k*block) x (k*block) kernel over pixels [O, C, k*block, k*block] (stride ``block``)."""
    o, cb, k, _ = weight.shape
    c = cb // (block * block)
    # [O, C, i, j, dy, dx] -> [O, C, dy, i, dx, j]: pixel row dy*block + i, column dx*block + j.
    return weight.reshape(o, c, block, block, k, k).permute(0, 1, 4, 2, 5, 3).reshape(o, c, k * block, k * block)


def unfold_stem_weight(weight: torch.Tensor, block: int) -> torch.Tensor:
    """The inverse of ``fold_stem_weight``."""
    o, c, kb, _ = weight.shape
    k = kb // block
    return weight.reshape(o, c, k, block, k, block).permute(0, 1, 3, 5, 2, 4).reshape(o, c * block * block, k, k)


class ResBlock(nn.Module):
    def __init__(self, ch: int, separable: bool, padding: str = "reflect") -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(ch, ch, separable=separable, padding=padding), _act(), _conv(ch, ch, separable=separable, padding=padding)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class UNetGenerator(nn.Module):
    """Photo in [-1,1] (N,3,H,W), H and W multiples of 4 -> cartoon in [-1,1] of the same shape."""

    def __init__(self, spec: GeneratorSpec) -> None:
        super().__init__()
        c = spec.channels
        self.spec = spec
        block = spec.space_to_depth
        io = 3 * block * block
        # At full resolution the ends see 7x7 pixels; on 2x2 blocks a 3x3 kernel already sees 6x6.
        k_end = 7 if block == 1 else 3

        def conv(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Module:
            return _conv(cin, cout, k, stride, padding=spec.padding)

        self.enc0 = nn.Sequential(conv(io, c, k_end), _act())
        self.enc1 = nn.Sequential(conv(c, c, 3, 2), _act(), conv(c, 2 * c), _act())
        self.enc2 = nn.Sequential(conv(2 * c, 2 * c, 3, 2), _act(), conv(2 * c, 4 * c), _act())
        self.res = nn.Sequential(*[ResBlock(4 * c, spec.separable, spec.padding) for _ in range(spec.res_blocks)])
        self.bottleneck = nn.Sequential(conv(4 * c, 2 * c), _act())
        self.dec1 = nn.Sequential(conv(2 * c, 2 * c), _act(), conv(2 * c, c), _act())
        self.dec0 = nn.Sequential(conv(c, c), _act(), conv(c, io, k_end))
        self.stem: nn.Conv2d | None = None  # set by fold_stem() for export

    def fold_stem(self) -> None:
        """For export: pixel-unshuffle and enc0's first convolution become one strided convolution
        over the pixels, the same function (zero padding of one block = ``block`` pixels of zeros).
        ONNX Runtime runs pixel-unshuffle as a slow 6-D transpose (~5% of toon-fast's time)."""
        block = self.spec.space_to_depth
        first = self.enc0[0]
        assert block > 1 and isinstance(first, nn.Conv2d) and first.padding_mode == "zeros"
        k = first.kernel_size[0]
        stem = nn.Conv2d(first.in_channels // (block * block), first.out_channels, k * block, block, block * (k // 2))
        with torch.no_grad():
            stem.weight.copy_(fold_stem_weight(first.weight, block))
            stem.bias.copy_(first.bias)
        self.stem = stem.to(first.weight.device, first.weight.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        block = self.spec.space_to_depth
        if self.stem is not None:
            e0 = self.enc0[1:](self.stem(x))
        else:
            if block > 1:
                x = F.pixel_unshuffle(x, block)
            e0 = self.enc0(x)
        e1 = self.enc1(e0)
        e2 = self.enc2(e1)
        b = self.bottleneck(self.res(e2))
        d1 = F.interpolate(b, scale_factor=2.0, mode="bilinear", align_corners=False)
        d1 = self.dec1(d1 + e1)
        d0 = F.interpolate(d1, scale_factor=2.0, mode="bilinear", align_corners=False)
        y = self.dec0(d0 + e0)
        if block > 1:
            y = F.pixel_shuffle(y, block)
        return torch.tanh(y)


@dataclass(frozen=True)
class TailSpec:
    """Parameter-free cartoon tail: self-guided flattening, then XDoG-style ink on its luminance."""

    guide_radius: int  # White-box's inference-time guided filter, with the photo as guide
    guide_eps: float
    ink: float  # 1 = black lines, 0 = no lines
    sigma: float  # inner Gaussian of the difference of Gaussians, px at the working size
    threshold: float  # DoG response (in [-1,1] luminance units) where a line starts
    sharpness: float
    flatten_radius: int
    flatten_eps: float
    flatten_scale: int = 1  # 2: the flattening's coefficients at half resolution (fast guided filter)


# Tail v2 (2026-12-05): thinner inner Gaussian, lower line threshold and wider, stronger
# flattening than v1 (outline: ink 0.9, sigma 1.2, threshold 0.015, sharpness 30, flatten 5/0.06;
# scenery: 0.5, 1.2, 0.03, 20, 6/0.08), which left the look mild (few lines, textured regions).
# Chosen on contact sheets of training photos, not the held-out ones; see docs/MODEL.md.
# Tail v2.1: the flattening's coefficients at half resolution (flatten_scale 2), ~9% less time
# for toon-fast on a CPU; the look is unchanged on the contact sheets (docs/MODEL.md).
TAIL_SPECS: dict[str, TailSpec] = {
    "outline": TailSpec(guide_radius=1, guide_eps=0.005, ink=1.0, sigma=1.0, threshold=0.004, sharpness=80.0,
                        flatten_radius=8, flatten_eps=0.15, flatten_scale=2),
    "scenery": TailSpec(guide_radius=1, guide_eps=0.005, ink=0.6, sigma=1.4, threshold=0.01, sharpness=40.0,
                        flatten_radius=10, flatten_eps=0.25, flatten_scale=2),
}


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-(t**2) / (2 * sigma * sigma))
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), k.view(1, 1, -1, 1))
    return F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))


class CartoonTail(nn.Module):
    """The fixed end of the generator (AnimeGAN v3 and White-box also end in a guided filter).

    The U-Net is trained *through* this tail: it supplies the cartoon's colours and tones, while
    crisp boundaries (guided by the photo) and outlines (XDoG on the flattened result) come from
    fixed operators, instead of being learnt pixel by pixel: under L1, a few CPU-hours teach a
    small U-Net a blurred mean long before thin lines.
    """

    def __init__(self, spec: TailSpec) -> None:
        super().__init__()
        self.spec = spec

    def forward(self, photo: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = self.spec
        # Edges come back from the photo (White-box's post-processing), so a U-Net that hedges
        # with blur still gives crisp region boundaries; then flatten and ink.
        sharp = guided_filter(photo, y, r=s.guide_radius, eps=s.guide_eps)
        if s.flatten_scale > 1:
            flat = fast_guided_filter(sharp, sharp, r=s.flatten_radius, eps=s.flatten_eps, scale=s.flatten_scale)
        else:
            flat = guided_filter(sharp, sharp, r=s.flatten_radius, eps=s.flatten_eps)
        w = torch.tensor([0.299, 0.587, 0.114], dtype=y.dtype, device=y.device).view(1, 3, 1, 1)
        lum = (flat * w).sum(dim=1, keepdim=True)
        dog = _gaussian_blur(lum, s.sigma) - _gaussian_blur(lum, 1.6 * s.sigma)
        # XDoG's soft threshold: exactly 0 below the threshold (flat regions stay untouched).
        line = torch.tanh(torch.relu(-dog - s.threshold) * s.sharpness)
        return flat - s.ink * line * (flat + 1.0)


class CartoonGenerator(nn.Module):
    """Photo + U-Net residual, then the style's cartoon tail; [-1,1] in and out.

    The U-Net predicts a change to the photo (colour, tone, texture removal) rather than the whole
    image: its last layer starts at zero, so an untrained generator already returns the photo
    through the tail, and every step of training goes into the style instead of into relearning
    the photo.
    """

    def __init__(self, spec: GeneratorSpec, tail: TailSpec) -> None:
        super().__init__()
        self.unet = UNetGenerator(spec)
        last = self.unet.dec0[-1]
        assert isinstance(last, nn.Conv2d)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.tail = CartoonTail(tail)
        self.spec = spec

    def body(self, x: torch.Tensor) -> torch.Tensor:
        """The image before the tail."""
        return torch.clamp(x + self.unet(x), -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(x, self.body(x))


def build_generator(kind: str, style: str | None = None) -> nn.Module:
    """The U-Net of ``kind``; with a ``style``, followed by that style's cartoon tail."""
    if kind not in GENERATOR_SPECS:
        raise ValueError(f"unknown generator kind {kind!r}; expected one of {sorted(GENERATOR_SPECS)}")
    if style is None:
        return UNetGenerator(GENERATOR_SPECS[kind])
    if style not in TAIL_SPECS:
        raise ValueError(f"unknown style {style!r}; expected one of {sorted(TAIL_SPECS)}")
    return CartoonGenerator(GENERATOR_SPECS[kind], TAIL_SPECS[style])


class PatchDiscriminator(nn.Module):
    """Spectral-norm PatchGAN: one real/fake score per ~22 px receptive patch."""

    def __init__(self, in_channels: int = 3, channels: int = 32) -> None:
        super().__init__()
        c = channels

        def sn(m: nn.Conv2d) -> nn.Module:
            return spectral_norm(m)

        self.net = nn.Sequential(
            sn(nn.Conv2d(in_channels, c, 3, 2, 1)), _act(),
            sn(nn.Conv2d(c, c, 3, 1, 1)), _act(),
            sn(nn.Conv2d(c, 2 * c, 3, 2, 1)), _act(),
            sn(nn.Conv2d(2 * c, 2 * c, 3, 1, 1)), _act(),
            sn(nn.Conv2d(2 * c, 4 * c, 3, 2, 1)), _act(),
            sn(nn.Conv2d(4 * c, 1, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv_gflops(model: nn.Module, height: int = 256, width: int = 256) -> float:
    """Convolution GFLOPs for one frame, counting a multiply-add as 2 FLOPs."""
    total = 0

    def hook(module: nn.Module, _inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        assert isinstance(module, nn.Conv2d)
        k = module.kernel_size[0] * module.kernel_size[1]
        per_output = k * module.in_channels // module.groups
        total += 2 * per_output * output.numel()

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, height, width))
    finally:
        for h in handles:
            h.remove()
    return total / 1e9
