// The post-processing's working-size stage on the CPU: global motion, temporal smoothing and the
// fast guided filter's coefficients (what assets/graphs/postprocess.onnx computes before its
// output stage; scripts/graphs/build_pipeline_graphs.py documents the method).
#pragma once

#include <cstdint>
#include <vector>

namespace toonstream {

struct SmoothingParams {
  float smoothing;      // 0..1, the largest weight of the previous result
  float strength;       // 0..1, cartoon vs the original frame
  float cut_threshold;  // mean input change (0..1) that counts as a scene cut
  float motion_tau;     // local input change (0..255) at which smoothing fades out
  float eps;            // guided-filter regulariser on 0..1 intensities
  float detail;         // 0: Wu et al.'s averaged b, 1: b from the unfiltered cartoon
  float full_res;       // share of the smoothing weight applied at output size
};

struct CoefficientsJob {
  const uint8_t* low;      // the frame at working size, RGB24
  const uint8_t* cartoon;  // the generator's output for it, RGB24
  int width;
  int height;
  const uint8_t* prev_low;  // the previous frame's `low`; nullptr without a previous frame
  const float* prev_state;  // the previous smoothed cartoon, planar RGB float (with prev_low)
  SmoothingParams params;
};

struct Coefficients {
  std::vector<float> a;      // RGB interleaved: out = a guide + b + blend prev (after upsampling)
  std::vector<float> b;      // RGB interleaved
  std::vector<float> blend;  // 1 plane
  float change = 0;          // mean |low - prev_low| / 255
  float motion[3] = {0, 0, 0};  // dx, dy (working px), zoom; exactly 0 for a still camera
};

// Writes this frame's smoothed cartoon (3 planes of width x height) to `state`. One build per
// instruction set (kernels_*.cc); kernels.h picks the one this CPU runs.
namespace generic {
void compute_coefficients(const CoefficientsJob& job, float* state, Coefficients& out);
}
namespace avx2 {
void compute_coefficients(const CoefficientsJob& job, float* state, Coefficients& out);
}

}  // namespace toonstream
