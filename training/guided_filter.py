"""Differentiable guided filter (He et al.) used for White-box's surface representation."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, edge-normalised so borders are not darkened."""
    k = 2 * r + 1
    ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype, device=x.device)
    num = F.avg_pool2d(x, k, stride=1, padding=r, count_include_pad=True)
    den = F.avg_pool2d(ones, k, stride=1, padding=r, count_include_pad=True)
    return num / den


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int = 5, eps: float = 0.2) -> torch.Tensor:
    """Edge-preserving smoothing of ``src`` steered by ``guide`` (both N,C,H,W; guide may be 1 or C channels)."""
    mean_i = box_filter(guide, r)
    mean_p = box_filter(src, r)
    cov_ip = box_filter(guide * src, r) - mean_i * mean_p
    var_i = box_filter(guide * guide, r) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_filter(a, r) * guide + box_filter(b, r)
