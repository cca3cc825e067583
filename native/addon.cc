// finishFrame(guide, width, height, coefA, coefB, blend, lowWidth, lowHeight, prev, motion, out):
// Node's binding of toonstream::finish (finish.h). Checks every argument, runs the frame on
// libuv's thread pool and resolves when `out` holds it.
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <initializer_list>

#include "finish.h"

namespace {

using toonstream::FinishJob;

constexpr size_t kArgs = 11;

struct AsyncFinish {
  FinishJob job;
  napi_ref refs[kArgs];
  size_t ref_count = 0;
  napi_deferred deferred;
  napi_async_work work;
};

bool throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return false;
}

template <typename T>
bool typed_array(napi_env env, napi_value value, napi_typedarray_type type, size_t expected, const T** data,
                 const char* message) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return throw_type(env, message);
  napi_typedarray_type actual;
  size_t length = 0;
  void* raw = nullptr;
  napi_get_typedarray_info(env, value, &actual, &length, &raw, nullptr, nullptr);
  if (actual != type || length != expected) return throw_type(env, message);
  *data = static_cast<const T*>(raw);
  return true;
}

bool positive_int(napi_env env, napi_value value, int* out, const char* message) {
  int32_t v = 0;
  if (napi_get_value_int32(env, value, &v) != napi_ok || v <= 0) return throw_type(env, message);
  *out = v;
  return true;
}

void execute(napi_env, void* data) { toonstream::finish(static_cast<AsyncFinish*>(data)->job); }

void complete(napi_env env, napi_status status, void* data) {
  auto* task = static_cast<AsyncFinish*>(data);
  for (size_t i = 0; i < task->ref_count; ++i) napi_delete_reference(env, task->refs[i]);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok) {
    napi_resolve_deferred(env, task->deferred, undefined);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, "finishFrame was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &error);
    napi_reject_deferred(env, task->deferred, error);
  }
  napi_delete_async_work(env, task->work);
  delete task;
}

napi_value finish_frame(napi_env env, napi_callback_info info) {
  size_t argc = kArgs;
  napi_value args[kArgs];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != kArgs) {
    throw_type(env, "finishFrame takes 11 arguments");
    return nullptr;
  }
  FinishJob job{};
  if (!positive_int(env, args[1], &job.width, "width must be a positive integer") ||
      !positive_int(env, args[2], &job.height, "height must be a positive integer") ||
      !positive_int(env, args[6], &job.low_width, "lowWidth must be a positive integer") ||
      !positive_int(env, args[7], &job.low_height, "lowHeight must be a positive integer")) {
    return nullptr;
  }
  const size_t full = static_cast<size_t>(job.width) * job.height * 3;
  const size_t low = static_cast<size_t>(job.low_width) * job.low_height;
  const float* motion = nullptr;
  const uint8_t* out = nullptr;
  if (!typed_array(env, args[0], napi_uint8_array, full, &job.guide, "guide must be a Uint8Array of width*height*3") ||
      !typed_array(env, args[3], napi_float32_array, 3 * low, &job.coef_a, "coefA must be a Float32Array of 3*lowWidth*lowHeight") ||
      !typed_array(env, args[4], napi_float32_array, 3 * low, &job.coef_b, "coefB must be a Float32Array of 3*lowWidth*lowHeight") ||
      !typed_array(env, args[5], napi_float32_array, low, &job.blend, "blend must be a Float32Array of lowWidth*lowHeight") ||
      !typed_array(env, args[9], napi_float32_array, 3, &motion, "motion must be a Float32Array [dx, dy, zoom]") ||
      !typed_array(env, args[10], napi_uint8_array, full, &out, "out must be a Uint8Array of width*height*3")) {
    return nullptr;
  }
  napi_valuetype prev_type;
  napi_typeof(env, args[8], &prev_type);
  if (prev_type != napi_null &&
      !typed_array(env, args[8], napi_uint8_array, full, &job.prev, "prev must be null or a Uint8Array of width*height*3")) {
    return nullptr;
  }
  job.dx = motion[0], job.dy = motion[1], job.zoom = motion[2];
  job.out = const_cast<uint8_t*>(out);

  auto* task = new AsyncFinish();
  task->job = job;
  // The typed arrays stay alive (and their memory in place) until the work completes.
  for (size_t i : {0, 3, 4, 5, 8, 10}) {
    if (i == 8 && prev_type == napi_null) continue;
    napi_create_reference(env, args[i], 1, &task->refs[task->ref_count++]);
  }
  napi_value promise, name;
  napi_create_promise(env, &task->deferred, &promise);
  napi_create_string_utf8(env, "toonstream.finishFrame", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, execute, complete, task, &task->work);
  napi_queue_async_work(env, task->work);
  return promise;
}

napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "finishFrame", NAPI_AUTO_LENGTH, finish_frame, nullptr, &fn);
  napi_set_named_property(env, exports, "finishFrame", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
