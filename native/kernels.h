// The kernel build for this CPU: AVX2 + FMA where the addon was built with them (x86-64) and the
// CPU has them, else the generic build.
#pragma once

#include "coefficients.h"
#include "finish.h"
#include "resize.h"

namespace toonstream {

struct Kernels {
  void (*compute_coefficients)(const CoefficientsJob&, float*, Coefficients&);
  void (*finish)(const FinishJob&);
  void (*resize)(const ResizeJob&);
  const char* name;
};

inline Kernels generic_kernels() { return {generic::compute_coefficients, generic::finish, generic::resize, "generic"}; }

inline Kernels select_kernels() {
#if defined(TOONSTREAM_HAVE_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {avx2::compute_coefficients, avx2::finish, avx2::resize, "avx2"};
  }
#endif
  return generic_kernels();
}

}  // namespace toonstream
