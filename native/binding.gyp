{
  "targets": [
    {
      "target_name": "toonstream_native",
      "sources": ["addon.cc", "coefficients.cc", "finish.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
