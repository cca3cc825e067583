#include "isa.h"

#include "resize.h"

#include "float4.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace toonstream {
namespace TOONSTREAM_ISA {
namespace {

// The source samples and weights of every output sample along one axis, `taps` per sample (unused
// ones weigh 0). Samples beyond the edge are the edge's.
struct Filter {
  int taps = 0;
  std::vector<int> index;
  std::vector<float> weight;
};

Filter make_filter(int out, int in) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double radius = std::max(1.0, scale);
  Filter f;
  f.taps = static_cast<int>(std::ceil(2.0 * radius)) + 1;
  f.index.assign(static_cast<size_t>(out) * f.taps, 0);
  f.weight.assign(static_cast<size_t>(out) * f.taps, 0.0f);
  for (int x = 0; x < out; ++x) {
    const double centre = (x + 0.5) * scale - 0.5;
    const int first = static_cast<int>(std::floor(centre - radius)) + 1;
    double total = 0.0;
    std::vector<double> w(f.taps, 0.0);
    for (int k = 0; k < f.taps; ++k) {
      w[k] = std::max(0.0, 1.0 - std::fabs(first + k - centre) / radius);
      total += w[k];
    }
    for (int k = 0; k < f.taps; ++k) {
      const size_t at = static_cast<size_t>(x) * f.taps + k;
      f.index[at] = std::clamp(first + k, 0, in - 1);
      f.weight[at] = static_cast<float>(w[k] / total);
    }
  }
  return f;
}

inline uint8_t to_byte(float v) {
  v = v < 0.0f ? 0.0f : v;
  v = v > 255.0f ? 255.0f : v;
  return static_cast<uint8_t>(v + 0.5f);
}

}  // namespace

void resize(const ResizeJob& job) {
  const Filter rows = make_filter(job.height, job.src_height);
  const Filter cols = make_filter(job.width, job.src_width);
  const size_t src_n = 3 * static_cast<size_t>(job.src_width);
  // One source-width row, filtered along y, and one output row, filtered along x; each with one
  // float of slack for the Float4 reads and writes.
  const size_t dst_n = 3 * static_cast<size_t>(job.width);
  std::vector<float> line(src_n + 1, 0.0f), out_row(dst_n + 1, 0.0f);
  float* __restrict l = line.data();
  float* __restrict o = out_row.data();
  for (int y = 0; y < job.height; ++y) {
    const int* idx = &rows.index[static_cast<size_t>(y) * rows.taps];
    const float* wt = &rows.weight[static_cast<size_t>(y) * rows.taps];
    {
      const uint8_t* __restrict s = job.src + idx[0] * src_n;
      const float w0 = wt[0];
      for (size_t i = 0; i < src_n; ++i) l[i] = w0 * static_cast<float>(s[i]);
    }
    for (int k = 1; k < rows.taps; ++k) {
      if (wt[k] == 0.0f) continue;
      const uint8_t* __restrict s = job.src + idx[k] * src_n;
      const float wk = wt[k];
      for (size_t i = 0; i < src_n; ++i) l[i] += wk * static_cast<float>(s[i]);
    }
    for (int x = 0; x < job.width; ++x) {
      const int* ci = &cols.index[static_cast<size_t>(x) * cols.taps];
      const float* cw = &cols.weight[static_cast<size_t>(x) * cols.taps];
      Float4 acc = cw[0] * load4(l + 3 * ci[0]);
      for (int k = 1; k < cols.taps; ++k) acc += cw[k] * load4(l + 3 * ci[k]);
      store4(o + 3 * x, acc);
    }
    uint8_t* __restrict d = job.dst + static_cast<size_t>(y) * dst_n;
    for (size_t i = 0; i < dst_n; ++i) d[i] = to_byte(o[i]);
  }
}

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
