// The post-processing's output stage on the CPU (see finish.cc).
#pragma once

#include <cstdint>

namespace toonstream {

struct FinishJob {
  const uint8_t* guide;
  int width;
  int height;
  const float* coef_a;  // working size, RGB interleaved
  const float* coef_b;  // working size, RGB interleaved
  const float* blend;   // working size, one plane
  int low_width;
  int low_height;
  const uint8_t* prev;  // nullptr: no previous output (blend must be 0 then)
  float dx, dy, zoom;
  uint8_t* out;
};

// Writes job.out (width x height RGB24). Pure computation: safe on any thread. One build per
// instruction set (kernels_*.cc); kernels.h picks the one this CPU runs.
namespace generic {
void finish(const FinishJob& job);
}
namespace avx2 {
void finish(const FinishJob& job);
}

}  // namespace toonstream
