// Memory-safety check of the kernels, built with AddressSanitizer and UndefinedBehaviorSanitizer
// by scripts/native-sanitize.sh (test/integration/native-sanitizers.test.ts runs it): both kernel
// builds on random frame sizes from 1x1 up, in buffers of exactly their size, so any read or
// write past a plane, row or frame aborts with a report. Flat frames must stay flat.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "../kernels.h"

using namespace toonstream;

namespace {

int failures = 0;

void expect_flat(const std::vector<uint8_t>& out, int value, const char* what, int w, int h, const char* isa) {
  for (uint8_t v : out) {
    if (std::abs(static_cast<int>(v) - value) > 1) {
      std::printf("FAIL %s %s %dx%d: %d where %d was expected\n", isa, what, w, h, v, value);
      ++failures;
      return;
    }
  }
}

}  // namespace

int main() {
  std::mt19937 rng(20261205);
  auto size = [&](int most) { return 1 + static_cast<int>(rng() % most); };
  for (const Kernels& k : {generic_kernels(), select_kernels()}) {
    for (int round = 0; round < 1500; ++round) {
      // Resize: any size to any size, noise and a flat frame.
      const int sw = size(40), sh = size(30), dw = size(60), dh = size(40);
      std::vector<uint8_t> src(sw * sh * 3), dst(dw * dh * 3);
      for (auto& v : src) v = static_cast<uint8_t>(rng());
      k.resize({src.data(), sw, sh, dst.data(), dw, dh});
      std::fill(src.begin(), src.end(), 77);
      k.resize({src.data(), sw, sh, dst.data(), dw, dh});
      expect_flat(dst, 77, "resize", dw, dh, k.name);

      // Post-processing: working w x h, output W x H (up- or downsampling), first frame and one
      // with a previous frame moved and zoomed; noise, then flat frames.
      const int w = size(40), h = size(40), W = size(60), H = size(50);
      std::vector<uint8_t> low(w * h * 3), cartoon(w * h * 3), prev_low(w * h * 3);
      std::vector<uint8_t> guide(W * H * 3), prev_out(W * H * 3), out(W * H * 3);
      std::vector<float> state(w * h * 3), prev_state(w * h * 3);
      for (int flat = 0; flat < 2; ++flat) {
        for (auto* plane : {&low, &prev_low, &guide}) for (auto& v : *plane) v = flat ? 100 : static_cast<uint8_t>(rng());
        for (auto& v : cartoon) v = flat ? 40 : static_cast<uint8_t>(rng());
        for (auto& v : prev_out) v = flat ? 70 : static_cast<uint8_t>(rng());
        for (auto& v : prev_state) v = flat ? 40.0f : static_cast<float>(rng() % 256);
        Coefficients coefficients;
        for (int first = 1; first >= 0; --first) {
          CoefficientsJob cj{};
          cj.low = low.data(), cj.cartoon = cartoon.data(), cj.width = w, cj.height = h;
          cj.prev_low = first ? nullptr : prev_low.data();
          cj.prev_state = first ? nullptr : prev_state.data();
          // smoothing, strength, cut threshold (never a cut), tau, eps, detail, full-res share
          cj.params = {0.8f, 0.5f, 2.0f, 16.0f, 1e-3f, 0.5f, 1.0f};
          k.compute_coefficients(cj, state.data(), coefficients);
          FinishJob fj{};
          fj.guide = guide.data(), fj.width = W, fj.height = H;
          fj.coef_a = coefficients.a.data(), fj.coef_b = coefficients.b.data(), fj.blend = coefficients.blend.data();
          fj.low_width = w, fj.low_height = h, fj.prev = first ? nullptr : prev_out.data(), fj.out = out.data();
          // A warp of the previous output whatever the estimate (which a flat frame makes 0).
          fj.dx = first ? 0.0f : static_cast<float>(rng() % 9) - 4.0f;
          fj.dy = first ? 0.0f : static_cast<float>(rng() % 7) - 3.0f;
          fj.zoom = first ? 0.0f : (static_cast<float>(rng() % 5) - 2.0f) * 0.02f;
          k.finish(fj);
          // 100 through a flat guided filter onto a flat 40 cartoon at strength 0.5: 70; the
          // previous output, where it is blended in, is 70 too (0 outside the frame after a warp,
          // so only the first frame is held to it).
          if (flat && first) expect_flat(out, 70, "postprocess", W, H, k.name);
        }
      }
    }
    std::printf("%s: 1500 rounds ok\n", k.name);
  }
  return failures == 0 ? 0 : 1;
}
