{
  "target_defaults": {
    "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-fno-trapping-math", "-fopenmp-simd", "-Wall", "-Wextra"],
    "defines": ["NAPI_VERSION=8"]
  },
  "targets": [
    {
      "target_name": "toonstream_native",
      "sources": ["addon.cc", "kernels_generic.cc"],
      "conditions": [
        ["target_arch == 'x64'", {
          "dependencies": ["kernels_avx2"],
          "defines": ["TOONSTREAM_HAVE_AVX2"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch == 'x64'", {
      "targets": [
        {
          "target_name": "kernels_avx2",
          "type": "static_library",
          "sources": ["kernels_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"]
        }
      ]
    }]
  ]
}
