// The kernels again, compiled with AVX2 and FMA (binding.gyp): about a fifth faster where the CPU
// has them; kernels.h checks at run time.
#define TOONSTREAM_ISA avx2
#include "coefficients.cc"
#include "finish.cc"
#include "resize.cc"
