#!/usr/bin/env bash
# Builds native/test/sanitize.cc against both kernel builds with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs it: any out-of-bounds access in native/ aborts with a report.
# Needs g++ (as npm ci's build of native/ does). Usage: bash scripts/native-sanitize.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
FLAGS=(-O1 -g -std=c++17 -fopenmp-simd -fno-trapping-math -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Inative)
ARCH=$(uname -m)
OBJECTS=("$OUT/generic.o")
g++ "${FLAGS[@]}" -c native/kernels_generic.cc -o "$OUT/generic.o"
DEFINES=()
if [ "$ARCH" = x86_64 ]; then
  g++ "${FLAGS[@]}" -mavx2 -mfma -c native/kernels_avx2.cc -o "$OUT/avx2.o"
  OBJECTS+=("$OUT/avx2.o")
  DEFINES+=(-DTOONSTREAM_HAVE_AVX2)
fi
g++ "${FLAGS[@]}" "${DEFINES[@]}" native/test/sanitize.cc "${OBJECTS[@]}" -o "$OUT/sanitize"
"$OUT/sanitize"
