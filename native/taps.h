// Sampling positions of the two resamplings the post-processing does: ONNX Resize's bilinear
// upsampling (half_pixel) and the global-motion warp. Per axis: both are separable.
#pragma once

#include "isa.h"

#include <algorithm>
#include <vector>

// In the instruction set's namespace: each kernel build has its own copy.
namespace toonstream {
namespace TOONSTREAM_ISA {

struct Lerp {
  int i0;
  int i1;
  float t;  // weight of i1
};

// ONNX Resize, linear, half_pixel, for `out` samples from `in`: the source coordinate is clamped
// to [0, in - 1] (ONNX Runtime's bilinear upsampling does the same).
inline std::vector<Lerp> resize_taps(int out, int in) {
  std::vector<Lerp> taps(out);
  const float scale = static_cast<float>(out) / static_cast<float>(in);
  for (int x = 0; x < out; ++x) {
    float src = (static_cast<float>(x) + 0.5f) / scale - 0.5f;
    src = std::min(std::max(src, 0.0f), static_cast<float>(in - 1));
    const int i0 = static_cast<int>(src);
    const int i1 = std::min(i0 + 1, in - 1);
    taps[x] = {i0, i1, src - static_cast<float>(i0)};
  }
  return taps;
}

// The motion warp along one axis: sample position (1 - k) x + k c - d. Within one pixel outside
// the frame the edge is replicated; further out the sample is 0 (valid = false).
struct WarpTap {
  Lerp lerp;
  bool valid;
};

// Where the warp samples for position x along an axis of `size`: (1 - k) x + k c - d.
inline float warp_source(int x, int size, float d, float k) {
  const float centre = (static_cast<float>(size) - 1.0f) / 2.0f;
  return (1.0f - k) * static_cast<float>(x) + k * centre - d;
}

inline std::vector<WarpTap> warp_taps(int size, float d, float k) {
  std::vector<WarpTap> taps(size);
  for (int x = 0; x < size; ++x) {
    const float src = warp_source(x, size, d, k);
    if (src < -1.0f || src > static_cast<float>(size)) {
      taps[x] = {{0, 0, 0.0f}, false};
      continue;
    }
    const float clamped = std::min(std::max(src, 0.0f), static_cast<float>(size - 1));
    const int i0 = static_cast<int>(clamped);
    const int i1 = std::min(i0 + 1, size - 1);
    taps[x] = {{i0, i1, clamped - static_cast<float>(i0)}, true};
  }
  return taps;
}

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
