// Resizing an RGB24 frame on the CPU: the pipeline's resize of every incoming frame to the
// model's working size (and to the output size when that differs).
#pragma once

#include <cstdint>

namespace toonstream {

struct ResizeJob {
  const uint8_t* src;
  int src_width;
  int src_height;
  uint8_t* dst;
  int width;
  int height;
};

// Bilinear, antialiased when shrinking: a triangle filter as wide as the scale factor (libvips'
// 'linear' kernel, which sharp did this with before). One build per instruction set
// (kernels_*.cc); kernels.h picks the one this CPU runs.
namespace generic {
void resize(const ResizeJob& job);
}
namespace avx2 {
void resize(const ResizeJob& job);
}

}  // namespace toonstream
