// The post-processing's output stage on the CPU: what assets/graphs/postprocess.onnx does at
// output size, in one pass over the frame instead of a dozen full-resolution ONNX Runtime
// kernels with their intermediate tensors. coefficients.cc computes everything at working size;
// this applies it:
//
//   out = clip(A guide + b + f prev_warped, 0, 255), truncated to uint8
//
// where A, b (3 planes each) and f (1 plane) are bilinearly upsampled from working size
// (ONNX Resize, linear, half_pixel) and prev_warped is the stream's previous output moved by the
// global motion (dx, dy in output pixels, zoom k about the centre; the graph's padded
// tf_crop_and_resize warp: edge-replicated up to one pixel outside, 0 beyond).

#ifndef TOONSTREAM_ISA
#error compiled through kernels_*.cc, which name the instruction set
#endif

#include "finish.h"
#include "taps.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace toonstream {
namespace TOONSTREAM_ISA {
namespace {

// Working-size row `r` of the coefficients, upsampled along x to output width and interleaved as
// the frame is (RGBRGB...): a[3x + c], b[3x + c], and f repeated for the three channels.
struct CoefficientRow {
  int source = -1;
  std::vector<float> a, b, f;
};

void upsample_coefficients(const FinishJob& job, const std::vector<Lerp>& cols, int r, CoefficientRow& row) {
  const int w = job.low_width, W = job.width;
  const size_t plane = static_cast<size_t>(w) * job.low_height;
  const size_t offset = static_cast<size_t>(r) * w;
  for (int c = 0; c < 3; ++c) {
    const float* a = job.coef_a + c * plane + offset;
    const float* b = job.coef_b + c * plane + offset;
    for (int x = 0; x < W; ++x) {
      const Lerp t = cols[x];
      row.a[3 * x + c] = a[t.i0] + t.t * (a[t.i1] - a[t.i0]);
      row.b[3 * x + c] = b[t.i0] + t.t * (b[t.i1] - b[t.i0]);
    }
  }
  const float* f = job.blend + offset;
  for (int x = 0; x < W; ++x) {
    const Lerp t = cols[x];
    const float v = f[t.i0] + t.t * (f[t.i1] - f[t.i0]);
    row.f[3 * x] = row.f[3 * x + 1] = row.f[3 * x + 2] = v;
  }
  row.source = r;
}

// Row `r` of the previous output, warped along x (RGB interleaved, float).
struct PreviousRow {
  int source = -1;
  std::vector<float> v;
};

void warp_previous(const FinishJob& job, const std::vector<WarpTap>& cols, int r, PreviousRow& row) {
  const uint8_t* src = job.prev + static_cast<size_t>(r) * job.width * 3;
  for (int x = 0; x < job.width; ++x) {
    const WarpTap t = cols[x];
    for (int c = 0; c < 3; ++c) {
      const float p0 = src[3 * t.lerp.i0 + c], p1 = src[3 * t.lerp.i1 + c];
      row.v[3 * x + c] = t.valid ? p0 + t.lerp.t * (p1 - p0) : 0.0f;
    }
  }
  row.source = r;
}

// Keeps the two source rows a lerp needs, reusing whichever of the cached pair it can (output rows
// walk the source rows in order, so each source row is prepared about once).
template <typename Row, typename Fill>
void prepare_pair(Row (&cache)[2], int i0, int i1, const Row** r0, const Row** r1, Fill fill) {
  auto find = [&](int source, int avoid) -> Row& {
    for (Row& row : cache)
      if (row.source == source) return row;
    Row& slot = cache[0].source == avoid ? cache[1] : cache[0];
    fill(source, slot);
    return slot;
  };
  const Row& a = find(i0, -2);
  *r0 = &a;
  *r1 = &find(i1, i0);
}

}  // namespace

void finish(const FinishJob& job) {
  const int w = job.low_width, h = job.low_height, W = job.width, H = job.height;
  const size_t n = static_cast<size_t>(W) * 3;
  const std::vector<Lerp> cols = resize_taps(W, w);
  const std::vector<Lerp> rows = resize_taps(H, h);
  const bool still = job.dx == 0.0f && job.dy == 0.0f && job.zoom == 0.0f;
  const bool warped = job.prev && !still;
  std::vector<WarpTap> warp_cols, warp_rows;
  if (warped) {
    warp_cols = warp_taps(W, job.dx, job.zoom);
    warp_rows = warp_taps(H, job.dy, job.zoom);
  }
  CoefficientRow coef[2];
  PreviousRow prev[2];
  for (auto& row : coef) row.a.resize(n), row.b.resize(n), row.f.resize(n);
  if (warped) for (auto& row : prev) row.v.resize(n);
  std::vector<float> prev_line(n, 0.0f);

  for (int y = 0; y < H; ++y) {
    const Lerp r = rows[y];
    const CoefficientRow *c0, *c1;
    prepare_pair(coef, r.i0, r.i1, &c0, &c1, [&](int src, CoefficientRow& row) { upsample_coefficients(job, cols, src, row); });
    const uint8_t* g = job.guide + static_cast<size_t>(y) * n;
    uint8_t* o = job.out + static_cast<size_t>(y) * n;
    const float t = r.t;
    const float *a0 = c0->a.data(), *a1 = c1->a.data(), *b0 = c0->b.data(), *b1 = c1->b.data();
    const float *f0 = c0->f.data(), *f1 = c1->f.data();

    // The previous output at this row: as it is (still camera), warped, or absent (blend 0).
    const float* p = nullptr;
    const uint8_t* p_still = nullptr;
    if (job.prev && still) {
      p_still = job.prev + static_cast<size_t>(y) * n;
    } else if (warped && warp_rows[y].valid) {
      const Lerp pr = warp_rows[y].lerp;
      const PreviousRow *q0, *q1;
      prepare_pair(prev, pr.i0, pr.i1, &q0, &q1, [&](int src, PreviousRow& row) { warp_previous(job, warp_cols, src, row); });
      const float *v0 = q0->v.data(), *v1 = q1->v.data();
      for (size_t i = 0; i < n; ++i) prev_line[i] = v0[i] + pr.t * (v1[i] - v0[i]);
      p = prev_line.data();
    }

    // The hot loop: contiguous, branch-free, vectorised by the compiler.
    if (p_still) {
      for (size_t i = 0; i < n; ++i) {
        const float a = a0[i] + t * (a1[i] - a0[i]), b = b0[i] + t * (b1[i] - b0[i]), f = f0[i] + t * (f1[i] - f0[i]);
        const float v = a * static_cast<float>(g[i]) + b + f * static_cast<float>(p_still[i]);
        o[i] = static_cast<uint8_t>(std::min(std::max(v, 0.0f), 255.0f));
      }
    } else if (p) {
      for (size_t i = 0; i < n; ++i) {
        const float a = a0[i] + t * (a1[i] - a0[i]), b = b0[i] + t * (b1[i] - b0[i]), f = f0[i] + t * (f1[i] - f0[i]);
        const float v = a * static_cast<float>(g[i]) + b + f * p[i];
        o[i] = static_cast<uint8_t>(std::min(std::max(v, 0.0f), 255.0f));
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        const float a = a0[i] + t * (a1[i] - a0[i]), b = b0[i] + t * (b1[i] - b0[i]);
        const float v = a * static_cast<float>(g[i]) + b;
        o[i] = static_cast<uint8_t>(std::min(std::max(v, 0.0f), 255.0f));
      }
    }
  }
}

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
