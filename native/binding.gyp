{
  "targets": [
    {
      "target_name": "toonstream_native",
      "sources": ["addon.cc", "finish.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
