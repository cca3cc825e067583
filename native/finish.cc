// The post-processing's output stage on the CPU: what assets/graphs/postprocess.onnx does at
// output size, in one pass over the frame instead of a dozen full-resolution ONNX Runtime
// kernels with their intermediate tensors. coefficients.cc computes everything at working size;
// this applies it:
//
//   out = clip(A guide + b + f prev_warped, 0, 255), truncated to uint8
//
// where A, b (3 channels each, interleaved) and f (1 plane) are bilinearly upsampled from working size
// (ONNX Resize, linear, half_pixel) and prev_warped is the stream's previous output moved by the
// global motion (dx, dy in output pixels, zoom k about the centre; the graph's padded
// tf_crop_and_resize warp: edge-replicated up to one pixel outside, 0 beyond).

#include "isa.h"

#include "finish.h"
#include "float4.h"
#include "taps.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace toonstream {
namespace TOONSTREAM_ISA {
namespace {

// Working-size row `r` of the coefficients, upsampled along x to output width, interleaved as the
// frame is (RGBRGB...): a[3x + c], b[3x + c], and f repeated for the three channels. The
// coefficients arrive interleaved too, so each output pixel lerps two runs of three floats as
// Float4s (the fourth float written is overwritten by the next pixel).
struct CoefficientRow {
  int source = -1;
  std::vector<float> a, b, f;
};

// Coefficient rows hold 3 floats per pixel and the slack float of store4.
inline size_t row_floats(int width) { return 3 * static_cast<size_t>(width) + 1; }

void upsample_coefficients(const FinishJob& job, const std::vector<Lerp>& cols, int r, CoefficientRow& row) {
  const int w = job.low_width, W = job.width;
  const size_t offset = static_cast<size_t>(r) * w;
  // Reading four floats at the last pixel of the last row would run past the plane: that pixel
  // (the last tap of every row) is read as three.
  const float* a = job.coef_a + 3 * offset;
  const float* b = job.coef_b + 3 * offset;
  const float* f = job.blend + offset;
  float* ra = row.a.data();
  float* rb = row.b.data();
  float* rf = row.f.data();
  auto three = [](const float* p) { return Float4{p[0], p[1], p[2], 0.0f}; };
  for (int x = 0; x < W; ++x) {
    const Lerp t = cols[x];
    const bool last = t.i1 == w - 1;
    const Float4 a0 = last ? three(a + 3 * t.i0) : load4(a + 3 * t.i0), a1 = last ? three(a + 3 * t.i1) : load4(a + 3 * t.i1);
    const Float4 b0 = last ? three(b + 3 * t.i0) : load4(b + 3 * t.i0), b1 = last ? three(b + 3 * t.i1) : load4(b + 3 * t.i1);
    store4(ra + 3 * x, a0 + t.t * (a1 - a0));
    store4(rb + 3 * x, b0 + t.t * (b1 - b0));
    const float v = f[t.i0] + t.t * (f[t.i1] - f[t.i0]);
    store4(rf + 3 * x, Float4{v, v, v, v});
  }
  row.source = r;
}

// The previous output warped, at output row y: along y first (contiguous, vectorised) into `line`,
// then one gather of whole pixels along x into `out`. Both hold 3 floats per pixel and one of slack.
void warp_previous_row(const FinishJob& job, const Lerp& r, const std::vector<WarpTap>& cols, float* __restrict line,
                       float* __restrict out) {
  const size_t n = 3 * static_cast<size_t>(job.width);
  const uint8_t* __restrict s0 = job.prev + r.i0 * n;
  const uint8_t* __restrict s1 = job.prev + r.i1 * n;
  const float t = r.t;
  for (size_t i = 0; i < n; ++i) line[i] = static_cast<float>(s0[i]) + t * (static_cast<float>(s1[i]) - static_cast<float>(s0[i]));
  for (int x = 0; x < job.width; ++x) {
    const WarpTap c = cols[x];
    const Float4 p0 = load4(line + 3 * c.lerp.i0), p1 = load4(line + 3 * c.lerp.i1);
    store4(out + 3 * x, c.valid ? p0 + c.lerp.t * (p1 - p0) : Float4{0, 0, 0, 0});
  }
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
  const size_t floats = row_floats(W);
  for (auto& row : coef) row.a.resize(floats), row.b.resize(floats), row.f.resize(floats);
  std::vector<float> prev_line(floats, 0.0f), prev_rows(warped ? floats : 0, 0.0f);

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
      warp_previous_row(job, warp_rows[y].lerp, warp_cols, prev_rows.data(), prev_line.data());
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
