// Four floats as one vector (GCC/Clang vector extension: SSE on x86-64, NEON on ARM), for loops
// over RGB pixels whose three channels the compiler would not vectorise by itself. Reads and
// writes are unaligned and touch a fourth float, so buffers read or written this way end with one
// float of slack.
#pragma once

#include "isa.h"

#include <cstring>

namespace toonstream {
namespace TOONSTREAM_ISA {

typedef float Float4 __attribute__((vector_size(16)));

inline Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store4(float* p, Float4 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace TOONSTREAM_ISA
}  // namespace toonstream
