#ifndef TOONSTREAM_ISA
#error compiled through kernels_*.cc, which name the instruction set
#endif

#include "coefficients.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "taps.h"

namespace toonstream {
namespace TOONSTREAM_ISA {
namespace {

// The constants of scripts/graphs/build_pipeline_graphs.py.
constexpr int kLkSteps = 2;
constexpr int kLkMargin = 7;  // half-size border pixels left out of the motion sums
constexpr float kMaxMotion = 6.0f;  // half-size px per step
constexpr float kMaxZoom = 0.05f;
constexpr float kStillMotion[3] = {0.05f, 0.05f, 2e-4f};  // |dx|, |dy| (working px), |zoom|
constexpr int kGuidedRadius = 1;
constexpr int kMotionRadius = 2;

using Plane = std::vector<float>;
using Motion = std::array<float, 3>;

// Planes reused from frame to frame by the thread that runs them (no page faults per frame).
struct Scratch {
  Plane rgb[3], cartoon[3], prev_rgb[3];  // low, cartoon, prev_low as planes
  Plane grey, prev_grey, half, prev_half, blurred, prev_blurred, warped_half;
  Plane prev_grey_w, prev_state_w[3];
  Plane diff, diff_local, weight, tmp;
  Plane products[2], means[4], gain, offset, gain_mean, offset_mean;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

float* sized(Plane& p, size_t n) {
  p.resize(n);
  return p.data();
}

// Edge-correct box mean, radius R: padding is excluded from the count (AveragePool with
// count_include_pad = 0). Separable: the mean over the valid window is the mean of the means.
template <int R>
void box_mean(const float* src, float* dst, int w, int h, Plane& tmp) {
  float* t = sized(tmp, static_cast<size_t>(w) * h);
  const float inv_full = 1.0f / static_cast<float>(2 * R + 1);
  for (int y = 0; y < h; ++y) {
    const float* s = src + static_cast<size_t>(y) * w;
    float* row = t + static_cast<size_t>(y) * w;
    auto edge = [&](int x) {
      const int x0 = std::max(0, x - R), x1 = std::min(w - 1, x + R);
      float sum = 0.0f;
      for (int k = x0; k <= x1; ++k) sum += s[k];
      row[x] = sum / static_cast<float>(x1 - x0 + 1);
    };
    const int inner_end = std::max(R, w - R);
    for (int x = 0; x < std::min(R, w); ++x) edge(x);
    for (int x = R; x < inner_end; ++x) {  // branch-free: vectorised
      float sum = s[x - R];
      for (int k = 1 - R; k <= R; ++k) sum += s[x + k];
      row[x] = sum * inv_full;
    }
    for (int x = std::max(inner_end, std::min(R, w)); x < w; ++x) edge(x);
  }
  for (int y = 0; y < h; ++y) {
    const int y0 = std::max(0, y - R), y1 = std::min(h - 1, y + R);
    const float inv = 1.0f / static_cast<float>(y1 - y0 + 1);
    float* d = dst + static_cast<size_t>(y) * w;
    const float* first = t + static_cast<size_t>(y0) * w;
    for (int x = 0; x < w; ++x) d[x] = first[x];
    for (int k = y0 + 1; k <= y1; ++k) {
      const float* row = t + static_cast<size_t>(k) * w;
      for (int x = 0; x < w; ++x) d[x] += row[x];
    }
    for (int x = 0; x < w; ++x) d[x] *= inv;
  }
}

// The global-motion warp of a w x h plane: dst(x) = src((1 - k) x + k c - d), bilinear;
// edge-replicated up to a pixel outside, 0 beyond. Taps computed once for several planes.
class PlaneWarp {
 public:
  PlaneWarp(int w, int h, const Motion& m) : w_(w), h_(h), cols_(warp_taps(w, m[0], m[2])), rows_(warp_taps(h, m[1], m[2])), line_(w) {}

  void operator()(const float* src, float* dst) {
    for (int y = 0; y < h_; ++y) {
      float* d = dst + static_cast<size_t>(y) * w_;
      if (!rows_[y].valid) {
        std::fill(d, d + w_, 0.0f);
        continue;
      }
      // Along y first (contiguous, vectorised), then one gather along x.
      const Lerp r = rows_[y].lerp;
      const float* s0 = src + static_cast<size_t>(r.i0) * w_;
      const float* s1 = src + static_cast<size_t>(r.i1) * w_;
      float* line = line_.data();
      for (int x = 0; x < w_; ++x) line[x] = s0[x] + r.t * (s1[x] - s0[x]);
      for (int x = 0; x < w_; ++x) {
        const WarpTap& c = cols_[x];
        d[x] = c.valid ? line[c.lerp.i0] + c.lerp.t * (line[c.lerp.i1] - line[c.lerp.i0]) : 0.0f;
      }
    }
  }

 private:
  int w_, h_;
  std::vector<WarpTap> cols_, rows_;
  std::vector<float> line_;
};

// Minimum over the 3x3 window (inside the plane), separable.
void erode3(const float* src, float* dst, int w, int h, Plane& tmp) {
  float* t = sized(tmp, static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    const float* s = src + static_cast<size_t>(y) * w;
    float* row = t + static_cast<size_t>(y) * w;
    row[0] = w > 1 ? std::min(s[0], s[1]) : s[0];
    for (int x = 1; x < w - 1; ++x) row[x] = std::min(std::min(s[x - 1], s[x]), s[x + 1]);
    if (w > 1) row[w - 1] = std::min(s[w - 2], s[w - 1]);
  }
  for (int y = 0; y < h; ++y) {
    const float* up = t + static_cast<size_t>(std::max(0, y - 1)) * w;
    const float* mid = t + static_cast<size_t>(y) * w;
    const float* down = t + static_cast<size_t>(std::min(h - 1, y + 1)) * w;
    float* d = dst + static_cast<size_t>(y) * w;
    for (int x = 0; x < w; ++x) d[x] = std::min(std::min(up[x], mid[x]), down[x]);
  }
}

// One Lucas-Kanade step for a global translation + zoom about the centre: the (dx, dy, k) to add.
// Least squares over the interior (3x3 normal equations, +1 on the diagonal, solved by
// cofactors); the zoom is fitted on coordinates normalised by (w - 1) / 2.
Motion lk_step(const float* cur, const float* prev, int w, int h) {
  const int m = kLkMargin;
  const float radius = (static_cast<float>(w) - 1.0f) / 2.0f;
  const float yc = (static_cast<float>(h) - 1.0f) / 2.0f;
  double a = 1, b = 0, c = 0, d = 1, e = 0, f = 1, r1 = 0, r2 = 0, r3 = 0;
  auto avg = [&](int y, int x) { return 0.5f * (cur[static_cast<size_t>(y) * w + x] + prev[static_cast<size_t>(y) * w + x]); };
  for (int y = m; y < h - m; ++y) {
    const float yn = (static_cast<float>(y) - yc) / radius;
    for (int x = m; x < w - m; ++x) {
      const size_t i = static_cast<size_t>(y) * w + x;
      const float it = cur[i] - prev[i];
      const float ix = 0.5f * (avg(y, x + 1) - avg(y, x - 1));
      const float iy = 0.5f * (avg(y + 1, x) - avg(y - 1, x));
      const float ir = ix * ((static_cast<float>(x) - radius) / radius) + iy * yn;
      a += ix * ix, b += ix * iy, c += ix * ir, d += iy * iy, e += iy * ir, f += ir * ir;
      r1 -= ix * it, r2 -= iy * it, r3 -= ir * it;
    }
  }
  const double c11 = d * f - e * e, c12 = c * e - b * f, c13 = b * e - c * d;
  const double c22 = a * f - c * c, c23 = b * c - a * e, c33 = a * d - b * b;
  const double det = a * c11 + b * c12 + c * c13;
  const double limits[3] = {kMaxMotion, kMaxMotion, kMaxZoom};
  const double raw[3] = {(c11 * r1 + c12 * r2 + c13 * r3) / det, (c12 * r1 + c22 * r2 + c23 * r3) / det,
                         (c13 * r1 + c23 * r2 + c33 * r3) / det / radius};
  Motion delta;
  for (int i = 0; i < 3; ++i) delta[i] = static_cast<float>(std::clamp(raw[i], -limits[i], limits[i]));
  return delta;
}

// Global motion of `grey` against `prev_grey` (working size): LK on blurred half-size images.
Motion estimate_motion(Scratch& s, int w, int h) {
  const int hw = w / 2, hh = h / 2;
  const size_t n = static_cast<size_t>(hw) * hh;
  const Plane* greys[2] = {&s.grey, &s.prev_grey};
  Plane* halves[2] = {&s.half, &s.prev_half};
  Plane* blurred[2] = {&s.blurred, &s.prev_blurred};
  for (int k = 0; k < 2; ++k) {
    const float* g = greys[k]->data();
    float* half = sized(*halves[k], n);
    for (int y = 0; y < hh; ++y) {
      const float* r0 = g + static_cast<size_t>(2 * y) * w;
      const float* r1 = r0 + w;
      for (int x = 0; x < hw; ++x) half[static_cast<size_t>(y) * hw + x] = (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]) / 4.0f;
    }
    box_mean<1>(half, sized(*blurred[k], n), hw, hh, s.tmp);
  }
  Motion total = {0, 0, 0};
  for (int step = 0; step < kLkSteps; ++step) {
    const float* prev = s.prev_blurred.data();
    if (step > 0) {
      PlaneWarp(hw, hh, total)(prev, sized(s.warped_half, n));
      prev = s.warped_half.data();
    }
    const Motion delta = lk_step(s.blurred.data(), prev, hw, hh);
    for (int i = 0; i < 3; ++i) total[i] += delta[i];
  }
  const float limits[3] = {kMaxMotion, kMaxMotion, kMaxZoom};
  const float to_working[3] = {2.0f, 2.0f, 1.0f};  // half-size px -> working px; zoom is scale-free
  Motion motion;
  bool still = true;
  for (int i = 0; i < 3; ++i) {
    motion[i] = std::clamp(total[i], -limits[i], limits[i]) * to_working[i];
    still = still && std::fabs(motion[i]) < kStillMotion[i];
  }
  return still ? Motion{0, 0, 0} : motion;
}

// 1 where the warp samples inside the previous frame along this axis.
std::vector<float> inside_axis(int size, float d, float k) {
  std::vector<float> inside(size);
  for (int x = 0; x < size; ++x) {
    const float src = warp_source(x, size, d, k);
    inside[x] = src >= 0.0f && src <= static_cast<float>(size - 1) ? 1.0f : 0.0f;
  }
  return inside;
}

void deinterleave(const uint8_t* rgb, Plane (&planes)[3], size_t n) {
  float* p[3] = {sized(planes[0], n), sized(planes[1], n), sized(planes[2], n)};
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) p[c][i] = rgb[3 * i + c];
}

void grey_of(const Plane (&planes)[3], Plane& grey, size_t n) {
  float* g = sized(grey, n);
  for (size_t i = 0; i < n; ++i) g[i] = (planes[0][i] + planes[1][i] + planes[2][i]) / 3.0f;
}

}  // namespace

void compute_coefficients(const CoefficientsJob& job, float* state, Coefficients& out) {
  Scratch& s = scratch();
  const int w = job.width, h = job.height;
  const size_t n = static_cast<size_t>(w) * h;
  const SmoothingParams& p = job.params;
  const bool valid = job.prev_low != nullptr;
  deinterleave(job.low, s.rgb, n);
  deinterleave(job.cartoon, s.cartoon, n);

  // Temporal smoothing: w = smoothing * clip(1 - d / tau, 0, 1)^2 where the motion-compensated
  // previous frame matches this one, 0 on a cut, outside the previous frame or without one.
  float* weight = sized(s.weight, n);
  out.change = 0.0f;
  out.motion[0] = out.motion[1] = out.motion[2] = 0.0f;
  if (!valid) {
    std::fill(weight, weight + n, 0.0f);
    for (int c = 0; c < 3; ++c) std::copy(s.cartoon[c].begin(), s.cartoon[c].end(), state + c * n);
  } else {
    deinterleave(job.prev_low, s.prev_rgb, n);
    grey_of(s.rgb, s.grey, n);
    grey_of(s.prev_rgb, s.prev_grey, n);
    const Motion motion = estimate_motion(s, w, h);
    std::copy(motion.begin(), motion.end(), out.motion);
    const bool still = motion[0] == 0.0f && motion[1] == 0.0f && motion[2] == 0.0f;
    const float* prev_grey = s.prev_grey.data();
    const float* prev_state[3] = {job.prev_state, job.prev_state + n, job.prev_state + 2 * n};
    if (!still) {
      PlaneWarp warp(w, h, motion);
      warp(prev_grey, sized(s.prev_grey_w, n));
      prev_grey = s.prev_grey_w.data();
      for (int c = 0; c < 3; ++c) {
        warp(prev_state[c], sized(s.prev_state_w[c], n));
        prev_state[c] = s.prev_state_w[c].data();
      }
    }
    double change = 0.0;
    for (int c = 0; c < 3; ++c)
      for (size_t i = 0; i < n; ++i) change += std::fabs(s.rgb[c][i] - s.prev_rgb[c][i]);
    out.change = static_cast<float>(change / (3.0 * static_cast<double>(n)) / 255.0);
    const float most = out.change < p.cut_threshold ? p.smoothing : 0.0f;

    float* diff = sized(s.diff, n);
    for (size_t i = 0; i < n; ++i) diff[i] = std::fabs(s.grey[i] - prev_grey[i]);
    float* local = sized(s.diff_local, n);
    box_mean<kMotionRadius>(diff, local, w, h, s.tmp);
    const std::vector<float> inside_x = inside_axis(w, motion[0], motion[2]);
    const std::vector<float> inside_y = inside_axis(h, motion[1], motion[2]);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const size_t i = static_cast<size_t>(y) * w + x;
        const float lin = std::clamp(1.0f - local[i] / p.motion_tau, 0.0f, 1.0f);
        weight[i] = lin * lin * most * inside_x[x] * inside_y[y];
      }
    }
    for (int c = 0; c < 3; ++c) {
      const float* cartoon = s.cartoon[c].data();
      float* st = state + c * n;
      for (size_t i = 0; i < n; ++i) st[i] = cartoon[i] + weight[i] * (prev_state[c][i] - cartoon[i]);
    }
  }

  // Output-size share of the weight, eroded (3x3 minimum over the frame) so upsampling does not
  // carry it into the band beside a moving edge.
  float* blend = sized(out.blend, n);
  erode3(weight, blend, w, h, s.tmp);
  for (size_t i = 0; i < n; ++i) blend[i] *= p.full_res;

  // Fast guided filter per channel (guide I = low, input = state), with the strength blend and
  // the output-size smoothing folded into the coefficients.
  float* a_out = sized(out.a, 3 * n);
  float* b_out = sized(out.b, 3 * n);
  const float eps = p.eps * 255.0f * 255.0f;
  for (int c = 0; c < 3; ++c) {
    const float* guide = s.rgb[c].data();
    const float* input = state + c * n;
    float* ip = sized(s.products[0], n);
    float* ii = sized(s.products[1], n);
    for (size_t i = 0; i < n; ++i) ip[i] = guide[i] * input[i], ii[i] = guide[i] * guide[i];
    float* m_i = sized(s.means[0], n);
    float* m_p = sized(s.means[1], n);
    float* m_ip = sized(s.means[2], n);
    float* m_ii = sized(s.means[3], n);
    box_mean<kGuidedRadius>(guide, m_i, w, h, s.tmp);
    box_mean<kGuidedRadius>(input, m_p, w, h, s.tmp);
    box_mean<kGuidedRadius>(ip, m_ip, w, h, s.tmp);
    box_mean<kGuidedRadius>(ii, m_ii, w, h, s.tmp);
    float* gain = sized(s.gain, n);
    float* offset = sized(s.offset, n);
    for (size_t i = 0; i < n; ++i) {
      const float cov = m_ip[i] - m_i[i] * m_p[i];
      const float var = m_ii[i] - m_i[i] * m_i[i];
      gain[i] = cov / (var + eps);
      offset[i] = m_p[i] - gain[i] * m_i[i];
    }
    float* gain_mean = sized(s.gain_mean, n);
    float* offset_mean = sized(s.offset_mean, n);
    box_mean<kGuidedRadius>(gain, gain_mean, w, h, s.tmp);
    box_mean<kGuidedRadius>(offset, offset_mean, w, h, s.tmp);
    float* a = a_out + c * n;
    float* b = b_out + c * n;
    for (size_t i = 0; i < n; ++i) {
      const float detail = input[i] - gain_mean[i] * guide[i];
      const float mb = offset_mean[i] + p.detail * (detail - offset_mean[i]);
      const float keep = 1.0f - blend[i];
      a[i] = (gain_mean[i] * p.strength + (1.0f - p.strength)) * keep;
      b[i] = (mb * p.strength + 0.5f) * keep + 0.5f * blend[i];
    }
  }
}

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
