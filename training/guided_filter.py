"""Differentiable guided filter (He et al.) used for White-box's surface representation."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _window_mean(t: torch.Tensor, r: int) -> torch.Tensor:
    """Zero-padded (2r+1)^2 window mean by running sums: O(1) per pixel whatever r is."""
    k = 2 * r + 1
    t = F.pad(t, (r + 1, r, r + 1, r))
    c = t.cumsum(2)
    c = c[:, :, k:, :] - c[:, :, :-k, :]
    c = c.cumsum(3)
    c = c[:, :, :, k:] - c[:, :, :, :-k]
    return c / (k * k)


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, edge-normalised so borders are not darkened."""
    ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype, device=x.device)
    return _window_mean(x, r) / _window_mean(ones, r)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int = 5, eps: float = 0.2) -> torch.Tensor:
    """Edge-preserving smoothing of ``src`` steered by ``guide`` (both N,C,H,W; guide may be 1 or C channels)."""
    mean_i = box_filter(guide, r)
    mean_p = box_filter(src, r)
    cov_ip = box_filter(guide * src, r) - mean_i * mean_p
    var_i = box_filter(guide * guide, r) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_filter(a, r) * guide + box_filter(b, r)
