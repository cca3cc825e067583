// The kernels for any x86-64 (SSE2) or other CPU.
#define TOONSTREAM_ISA generic
#include "coefficients.cc"
#include "finish.cc"
#include "resize.cc"
