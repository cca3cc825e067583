#include "isa.h"

#include "coefficients.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>

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

// Three-row ring buffers of w floats: the guided filter keeps only the rows a 3x3 box needs.
class RowRing {
 public:
  void reset(int w) {
    w_ = w;
    rows_.resize(3 * static_cast<size_t>(w));
  }
  float* operator[](int y) { return rows_.data() + static_cast<size_t>(y % 3) * w_; }

 private:
  int w_ = 0;
  std::vector<float> rows_;
};

// Planes reused from frame to frame by the thread that runs them (no page faults per frame).
struct Scratch {
  Plane rgb[3], cartoon[3], prev_rgb[3];  // low, cartoon, prev_low as planes
  Plane grey, prev_grey, half, prev_half, blurred, prev_blurred, warped_half;
  Plane prev_grey_w, prev_state_w[3];
  Plane diff, diff_local, weight, tmp;
  // The guided filter's horizontal means, per channel: of the guide, the input, their product and
  // the guide squared; then of the gain and the offset.
  RowRing h_means[3][4], h_gain[3], h_offset[3];
  std::vector<float> rows;  // the rows of one step: vertical means, gain, offset, a, b
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

// The guided filter's box passes below are written for its radius.
static_assert(kGuidedRadius == 1, "hmean1 and vmean1_row are the guided filter's radius-1 box");

// Horizontal mean, radius 1, edge-correct (as box_mean<1>'s first pass), of value(x) for one row.
template <typename Value>
inline void hmean1(float* __restrict row, int w, Value value) {
  if (w == 1) {
    row[0] = value(0);
    return;
  }
  constexpr float kInv = 1.0f / 3.0f;
  row[0] = (value(0) + value(1)) / 2.0f;
  for (int x = 1; x < w - 1; ++x) row[x] = (value(x - 1) + value(x) + value(x + 1)) * kInv;
  row[w - 1] = (value(w - 2) + value(w - 1)) / 2.0f;
}

// Row y of the vertical pass of box_mean<1> over the rows held in `ring` (y - 1..y + 1 inside a
// plane of h rows): their mean.
inline void vmean1_row(RowRing& ring, int w, int h, int y, float* __restrict out) {
  const int y0 = std::max(0, y - 1), y1 = std::min(h - 1, y + 1);
  const float* r0 = ring[y0];
  if (y1 == y0) {
    std::copy(r0, r0 + w, out);
    return;
  }
  const float* r1 = ring[y0 + 1];
  if (y1 - y0 == 1) {
    for (int x = 0; x < w; ++x) out[x] = (r0[x] + r1[x]) * 0.5f;
    return;
  }
  const float* r2 = ring[y0 + 2];
  constexpr float kInv = 1.0f / 3.0f;
  for (int x = 0; x < w; ++x) out[x] = (r0[x] + r1[x] + r2[x]) * kInv;
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
  const float inv_radius = 1.0f / radius;
  for (int y = m; y < h - m; ++y) {
    const float yn = (static_cast<float>(y) - yc) / radius;
    const float* __restrict cu = cur + static_cast<size_t>(y) * w;
    const float* __restrict pu = prev + static_cast<size_t>(y) * w;
    const float *__restrict cn = cu - w, *__restrict pn = pu - w;  // the row above
    const float *__restrict cs = cu + w, *__restrict ps = pu + w;  // the row below
    // Sums over one row in float (vectorised), over rows in double.
    float ra = 0, rb = 0, rc = 0, rd = 0, re = 0, rf = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : ra, rb, rc, rd, re, rf, s1, s2, s3)
    for (int x = m; x < w - m; ++x) {
      const float it = cu[x] - pu[x];
      const float ix = 0.5f * (0.5f * (cu[x + 1] + pu[x + 1]) - 0.5f * (cu[x - 1] + pu[x - 1]));
      const float iy = 0.5f * (0.5f * (cs[x] + ps[x]) - 0.5f * (cn[x] + pn[x]));
      const float ir = ix * ((static_cast<float>(x) - radius) * inv_radius) + iy * yn;
      ra += ix * ix, rb += ix * iy, rc += ix * ir, rd += iy * iy, re += iy * ir, rf += ir * ir;
      s1 -= ix * it, s2 -= iy * it, s3 -= ir * it;
    }
    a += ra, b += rb, c += rc, d += rd, e += re, f += rf, r1 += s1, r2 += s2, r3 += s3;
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
  // Too small for any pixel inside the margins: nothing to measure (and nothing to warp).
  if (hw <= 2 * kLkMargin || hh <= 2 * kLkMargin) return Motion{0, 0, 0};
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

// The smoothing weight along one row: clip(1 - local change / tau, 0, 1)^2 x the row's largest
// weight x 1 where the warp samples inside the previous frame.
void smoothing_weight_row(const float* __restrict local, const float* __restrict inside_x, float most, float tau,
                          float* __restrict weight, int w) {
  for (int x = 0; x < w; ++x) {
    float lin = 1.0f - local[x] / tau;
    lin = lin < 0.0f ? 0.0f : lin;
    lin = lin > 1.0f ? 1.0f : lin;
    weight[x] = lin * lin * most * inside_x[x];
  }
}

// One row of the guided filter's per-window linear model: gain = cov(I, p) / (var(I) + eps),
// offset = mean(p) - gain mean(I).
void gain_offset_row(const float* __restrict m_i, const float* __restrict m_p, const float* __restrict m_ip,
                     const float* __restrict m_ii, float eps, float* __restrict gain, float* __restrict offset, int w) {
  for (int x = 0; x < w; ++x) {
    const float cov = m_ip[x] - m_i[x] * m_p[x];
    const float var = m_ii[x] - m_i[x] * m_i[x];
    gain[x] = cov / (var + eps);
    offset[x] = m_p[x] - gain[x] * m_i[x];
  }
}

// One row of one channel's output coefficients from the box-averaged gain and offset: strength
// blend and output-size smoothing (f) folded in.
void coefficient_row(const float* __restrict input, const float* __restrict guide, const float* __restrict gain_mean,
                     const float* __restrict offset_mean, const float* __restrict f, float strength, float detail,
                     float* __restrict a, float* __restrict b, int w) {
  for (int x = 0; x < w; ++x) {
    const float detail_b = input[x] - gain_mean[x] * guide[x];
    const float mb = offset_mean[x] + detail * (detail_b - offset_mean[x]);
    const float keep = 1.0f - f[x];
    a[x] = (gain_mean[x] * strength + (1.0f - strength)) * keep;
    b[x] = (mb * strength + 0.5f) * keep + 0.5f * f[x];
  }
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
    // Sum of absolute differences in integers, row by row: exact, and vectorised.
    uint64_t change = 0;
    for (int y = 0; y < h; ++y) {
      const uint8_t* __restrict cur = job.low + 3 * static_cast<size_t>(y) * w;
      const uint8_t* __restrict prev = job.prev_low + 3 * static_cast<size_t>(y) * w;
      uint32_t row = 0;
      for (int i = 0; i < 3 * w; ++i) row += static_cast<uint32_t>(std::abs(static_cast<int>(cur[i]) - static_cast<int>(prev[i])));
      change += row;
    }
    out.change = static_cast<float>(static_cast<double>(change) / (3.0 * static_cast<double>(n)) / 255.0);
    const float most = out.change < p.cut_threshold ? p.smoothing : 0.0f;
    const float tau = p.motion_tau;

    float* __restrict diff = sized(s.diff, n);
    const float* __restrict grey = s.grey.data();
    for (size_t i = 0; i < n; ++i) diff[i] = std::fabs(grey[i] - prev_grey[i]);
    float* local = sized(s.diff_local, n);
    box_mean<kMotionRadius>(diff, local, w, h, s.tmp);
    const std::vector<float> inside_x = inside_axis(w, motion[0], motion[2]);
    const std::vector<float> inside_y = inside_axis(h, motion[1], motion[2]);
    for (int y = 0; y < h; ++y) {
      const size_t row = static_cast<size_t>(y) * w;
      smoothing_weight_row(local + row, inside_x.data(), most * inside_y[y], tau, weight + row, w);
    }
    for (int c = 0; c < 3; ++c) {
      const float* __restrict cartoon = s.cartoon[c].data();
      const float* __restrict prev = prev_state[c];
      const float* __restrict wt = weight;
      float* __restrict st = state + c * n;
      for (size_t i = 0; i < n; ++i) st[i] = cartoon[i] + wt[i] * (prev[i] - cartoon[i]);
    }
  }

  // Output-size share of the weight, eroded (3x3 minimum over the frame) so upsampling does not
  // carry it into the band beside a moving edge.
  float* blend = sized(out.blend, n);
  erode3(weight, blend, w, h, s.tmp);
  const float full_res = p.full_res;
  for (size_t i = 0; i < n; ++i) blend[i] *= full_res;

  // Fast guided filter per channel (guide I = low, input = state), with the strength blend and
  // the output-size smoothing folded into the coefficients. Its two 3x3 box means are split into
  // horizontal and vertical passes that walk down the frame together, a row apart, on three-row
  // rings: no intermediate plane leaves the cache. a and b come out interleaved (RGBRGB...), as
  // finish() reads them.
  const float eps = p.eps * 255.0f * 255.0f;
  const float strength = p.strength, detail = p.detail;
  for (int c = 0; c < 3; ++c) {
    for (RowRing& ring : s.h_means[c]) ring.reset(w);
    s.h_gain[c].reset(w);
    s.h_offset[c].reset(w);
  }
  s.rows.resize(12 * static_cast<size_t>(w));
  float* m_i = s.rows.data();
  float* m_p = m_i + w;
  float* m_ip = m_p + w;
  float* m_ii = m_ip + w;
  float* gain = m_ii + w;
  float* offset = gain + w;
  float* a_rows = offset + w;  // 3 rows, one per channel
  float* b_rows = a_rows + 3 * static_cast<size_t>(w);
  float* a_out = sized(out.a, 3 * n);
  float* b_out = sized(out.b, 3 * n);

  // Step k: horizontal means of row k; gain and offset of row k - 1 (and their horizontal means);
  // the coefficients of row k - 2.
  for (int k = 0; k < h + 2; ++k) {
    for (int c = 0; c < 3; ++c) {
      if (k < h) {
        const float* __restrict g = s.rgb[c].data() + static_cast<size_t>(k) * w;
        const float* __restrict in = state + c * n + static_cast<size_t>(k) * w;
        RowRing* ring = s.h_means[c];
        hmean1(ring[0][k], w, [&](int x) { return g[x]; });
        hmean1(ring[1][k], w, [&](int x) { return in[x]; });
        hmean1(ring[2][k], w, [&](int x) { return g[x] * in[x]; });
        hmean1(ring[3][k], w, [&](int x) { return g[x] * g[x]; });
      }
      const int j = k - 1;
      if (j >= 0 && j < h) {
        RowRing* ring = s.h_means[c];
        vmean1_row(ring[0], w, h, j, m_i);
        vmean1_row(ring[1], w, h, j, m_p);
        vmean1_row(ring[2], w, h, j, m_ip);
        vmean1_row(ring[3], w, h, j, m_ii);
        gain_offset_row(m_i, m_p, m_ip, m_ii, eps, gain, offset, w);
        hmean1(s.h_gain[c][j], w, [&](int x) { return gain[x]; });
        hmean1(s.h_offset[c][j], w, [&](int x) { return offset[x]; });
      }
    }
    const int y = k - 2;
    if (y < 0) continue;
    const size_t row = static_cast<size_t>(y) * w;
    for (int c = 0; c < 3; ++c) {
      float* gain_mean = m_i;
      float* offset_mean = m_p;
      vmean1_row(s.h_gain[c], w, h, y, gain_mean);
      vmean1_row(s.h_offset[c], w, h, y, offset_mean);
      coefficient_row(state + c * n + row, s.rgb[c].data() + row, gain_mean, offset_mean, blend + row, strength, detail,
                      a_rows + c * static_cast<size_t>(w), b_rows + c * static_cast<size_t>(w), w);
    }
    float* __restrict ai = a_out + 3 * row;
    float* __restrict bi = b_out + 3 * row;
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        ai[3 * x + c] = a_rows[c * static_cast<size_t>(w) + x];
        bi[3 * x + c] = b_rows[c * static_cast<size_t>(w) + x];
      }
    }
  }
}

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
