"""Losses of the cartoon GAN (LSGAN objectives; images in [-1,1], N,C,H,W)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from skimage.segmentation import slic

from .guided_filter import guided_filter
from .targets import region_mean


def lsgan_d_loss(real: torch.Tensor, fakes: list[torch.Tensor]) -> torch.Tensor:
    """Discriminator: real -> 1, every fake kind -> 0 (fakes weighted equally)."""
    loss = torch.mean((real - 1.0) ** 2)
    for fake in fakes:
        loss = loss + torch.mean(fake**2) / len(fakes)
    return loss


def lsgan_g_loss(fake: torch.Tensor) -> torch.Tensor:
    return torch.mean((fake - 1.0) ** 2)


def surface(x: torch.Tensor) -> torch.Tensor:
    """White-box surface representation: the image guided-filtered by itself (r=5, eps=0.2)."""
    return guided_filter(x, x, r=5, eps=0.2)


def random_colour_gray(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """White-box texture representation: gray with randomly shifted channel weights (N,1,H,W).

    The shift keeps the texture discriminator from using colour and brightness cues.
    """
    base = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)
    jitter = (torch.rand(x.shape[0], 3, generator=generator, dtype=x.dtype) * 2 - 1).to(x.device) * 0.8
    w = base[None, :] + jitter * base[None, :]
    w = w / w.sum(dim=1, keepdim=True)
    return (x * w[:, :, None, None]).sum(dim=1, keepdim=True)


def edge_promoting_fakes(d_smooth: torch.Tensor, d_fake: torch.Tensor) -> list[torch.Tensor]:
    """CartoonGAN: edge-smoothed real cartoons count as fake, beside the generated images."""
    return [d_smooth, d_fake]


def superpixel_structure(x: torch.Tensor, pixels_per_segment: int = 120) -> torch.Tensor:
    """White-box structure representation of ``x`` (detached): SLIC regions filled with their mean."""
    out = []
    imgs = ((x.detach().clamp(-1, 1) + 1) * 127.5).permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)
    for img in imgs:
        h, w = img.shape[:2]
        # Segment at half resolution (4x cheaper; regions are far larger than 2 px), colour at full.
        small = cv2.resize(img, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
        labels = slic(small, n_segments=max(8, h * w // pixels_per_segment), compactness=10, start_label=0,
                      channel_axis=-1, max_num_iter=5)
        labels = cv2.resize(labels.astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)
        out.append(region_mean(img, labels))
    arr = np.stack(out).astype(np.float32) / 127.5 - 1.0
    return torch.from_numpy(arr).permute(0, 3, 1, 2).to(x.device)


def structure_loss(fake: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(fake, superpixel_structure(fake))


def total_variation(x: torch.Tensor) -> torch.Tensor:
    dh = torch.mean(torch.abs(x[:, :, 1:, :] - x[:, :, :-1, :]))
    dw = torch.mean(torch.abs(x[:, :, :, 1:] - x[:, :, :, :-1]))
    return dh + dw


def luminance(x: torch.Tensor) -> torch.Tensor:
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)[None, :, None, None]
    return (x * w).sum(dim=1, keepdim=True)


def outline_weights(target: torch.Tensor, boost: float = 4.0) -> torch.Tensor:
    """Per-pixel weights that stress the target's thin dark outlines (N,1,H,W).

    Outlines cover ~2% of a cartoon; under a plain L1 the generator learns them last (a blurred
    mean is cheaper), so pixels much darker than their neighbourhood weigh up to ``1 + boost``.
    """
    y = luminance(target)
    local = F.avg_pool2d(y, 7, stride=1, padding=3, count_include_pad=False)
    darkness = torch.clamp((local - y - 0.05) / 0.25, 0.0, 1.0)
    return 1.0 + boost * darkness


def low_pass(x: torch.Tensor, radius: int = 2) -> torch.Tensor:
    return F.avg_pool2d(x, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False)


def target_loss(fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 to the dense cartoon target after a small low-pass, outline pixels weighted up.

    Comparing low-passed images teaches colours, tones and flat regions, but gives no reward for
    blurring: under a plain L1, outlines that cannot be placed exactly are cheapest erased, and a
    generator learns to blur them away. Crisp edges are left to the tail and the discriminators.
    """
    w = low_pass(outline_weights(target))
    return torch.mean(w * torch.abs(low_pass(fake) - low_pass(target))) / torch.mean(w)


def content_loss(fake: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """Content preservation without a pretrained network: L1 of blurred luminance.

    Blurring first lets the generator flatten textures and add outlines (both local changes) while
    keeping the layout, shading and features of the photo.
    """
    blur = lambda t: F.avg_pool2d(luminance(t), 5, stride=1, padding=2, count_include_pad=False)  # noqa: E731
    return F.l1_loss(blur(fake), blur(photo))
