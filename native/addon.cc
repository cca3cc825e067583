// Node's binding of the CPU post-processing:
//
//   postprocess({ guide, width, height, low, cartoon, lowWidth, lowHeight,
//                 prevLow, prevState, prevOutput, params, output, state, result }): Promise<void>
//
// guide/output: RGB24 at output size; low/cartoon/prevLow: RGB24 at working size; prevState and
// state: planar float RGB at working size; prevOutput: the stream's previous output; the three
// prev* are null without a previous frame. params: Float32Array [smoothing, strength,
// cut_threshold, (unused), motion_tau, eps, detail, full_res] (the graph's layout). result
// receives [change, dx, dy, zoom]. genericKernels (optional, tests): skip the AVX2 build.
// Every argument is checked here; the work runs on libuv's pool. `instructionSet` names the
// kernel build in use ('avx2' or 'generic').
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

using namespace toonstream;

struct Task {
  Kernels kernels{};
  CoefficientsJob coefficients_job{};
  FinishJob finish_job{};
  float* state = nullptr;
  float* result = nullptr;
  std::vector<napi_ref> refs;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

const Kernels kKernels = select_kernels();
const Kernels kGeneric = generic_kernels();

void execute(napi_env, void* data) {
  Task* task = static_cast<Task*>(data);
  // Reused by this pool thread from frame to frame: fresh megabytes would page-fault every time.
  thread_local Coefficients coefficients;
  task->kernels.compute_coefficients(task->coefficients_job, task->state, coefficients);
  FinishJob& finish_job = task->finish_job;
  finish_job.coef_a = coefficients.a.data();
  finish_job.coef_b = coefficients.b.data();
  finish_job.blend = coefficients.blend.data();
  // Working-size pixels -> output pixels; the zoom is scale-free.
  finish_job.dx = coefficients.motion[0] * static_cast<float>(finish_job.width) / static_cast<float>(finish_job.low_width);
  finish_job.dy = coefficients.motion[1] * static_cast<float>(finish_job.height) / static_cast<float>(finish_job.low_height);
  finish_job.zoom = coefficients.motion[2];
  task->kernels.finish(finish_job);
  task->result[0] = coefficients.change;
  for (int i = 0; i < 3; ++i) task->result[1 + i] = coefficients.motion[i];
}

void complete(napi_env env, napi_status status, void* data) {
  Task* task = static_cast<Task*>(data);
  for (napi_ref ref : task->refs) napi_delete_reference(env, ref);
  if (status == napi_ok) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, task->deferred, undefined);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, "postprocess was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &error);
    napi_reject_deferred(env, task->deferred, error);
  }
  napi_delete_async_work(env, task->work);
  delete task;
}

// Reads the arguments object; on a bad field throws a TypeError naming it and returns false.
class Reader {
 public:
  Reader(napi_env env, napi_value object, Task* task) : env_(env), object_(object), task_(task) {}

  // An optional boolean (false when absent).
  bool flag(const char* name, bool* out) {
    napi_value value;
    *out = false;
    bool has = false;
    napi_has_named_property(env_, object_, name, &has);
    if (!has) return true;
    if (!get(name, &value) || napi_get_value_bool(env_, value, out) != napi_ok) return fail(std::string(name) + " must be a boolean");
    return true;
  }

  bool integer(const char* name, int* out) {
    napi_value value;
    int32_t v = 0;
    if (!get(name, &value) || napi_get_value_int32(env_, value, &v) != napi_ok || v <= 0 || v > 16384) {
      return fail(std::string(name) + " must be a positive integer");
    }
    *out = v;
    return true;
  }

  // A typed array of `type` and exactly `length` elements; null accepted when `nullable`.
  template <typename T>
  bool array(const char* name, napi_typedarray_type type, size_t length, T** out, bool nullable = false) {
    napi_value value;
    if (!get(name, &value)) return fail(std::string(name) + " is missing");
    napi_valuetype kind;
    napi_typeof(env_, value, &kind);
    if (nullable && kind == napi_null) {
      *out = nullptr;
      return true;
    }
    bool is_typed = false;
    napi_is_typedarray(env_, value, &is_typed);
    napi_typedarray_type actual;
    size_t actual_length = 0;
    void* data = nullptr;
    if (is_typed) napi_get_typedarray_info(env_, value, &actual, &actual_length, &data, nullptr, nullptr);
    if (!is_typed || actual != type || actual_length != length) {
      const char* kind_name = type == napi_uint8_array ? "a Uint8Array" : "a Float32Array";
      return fail(std::string(name) + " must be " + kind_name + " of " + std::to_string(length) + " elements");
    }
    napi_ref ref;
    napi_create_reference(env_, value, 1, &ref);  // alive (and in place) until the work completes
    task_->refs.push_back(ref);
    *out = static_cast<T*>(data);
    return true;
  }

 private:
  bool get(const char* name, napi_value* value) {
    bool has = false;
    return napi_has_named_property(env_, object_, name, &has) == napi_ok && has &&
           napi_get_named_property(env_, object_, name, value) == napi_ok;
  }

  bool fail(const std::string& message) {
    napi_throw_type_error(env_, nullptr, ("postprocess: " + message).c_str());
    return false;
  }

  napi_env env_;
  napi_value object_;
  Task* task_;
};

napi_value postprocess(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  napi_valuetype kind = napi_undefined;
  if (argc == 1) napi_typeof(env, arg, &kind);
  if (kind != napi_object) {
    napi_throw_type_error(env, nullptr, "postprocess takes one object argument");
    return nullptr;
  }
  Task* task = new Task();
  Reader read(env, arg, task);
  CoefficientsJob& cj = task->coefficients_job;
  FinishJob& fj = task->finish_job;
  uint8_t *guide, *low, *cartoon, *prev_low, *prev_output, *output;
  float *prev_state, *params;
  bool generic_only = false;
  bool ok = read.flag("genericKernels", &generic_only) && read.integer("width", &fj.width) && read.integer("height", &fj.height) &&
            read.integer("lowWidth", &cj.width) && read.integer("lowHeight", &cj.height);
  const size_t full = ok ? static_cast<size_t>(fj.width) * fj.height * 3 : 0;
  const size_t low_n = ok ? static_cast<size_t>(cj.width) * cj.height * 3 : 0;
  ok = ok && read.array("guide", napi_uint8_array, full, &guide) && read.array("low", napi_uint8_array, low_n, &low) &&
       read.array("cartoon", napi_uint8_array, low_n, &cartoon) &&
       read.array("prevLow", napi_uint8_array, low_n, &prev_low, true) &&
       read.array("prevState", napi_float32_array, low_n, &prev_state, true) &&
       read.array("prevOutput", napi_uint8_array, full, &prev_output, true) &&
       read.array("params", napi_float32_array, 8, &params) && read.array("output", napi_uint8_array, full, &output) &&
       read.array("state", napi_float32_array, low_n, &task->state) &&
       read.array("result", napi_float32_array, 4, &task->result);
  if (ok && ((prev_low == nullptr) != (prev_state == nullptr) || (prev_low == nullptr) != (prev_output == nullptr))) {
    napi_throw_type_error(env, nullptr, "postprocess: prevLow, prevState and prevOutput are all null or all set");
    ok = false;
  }
  if (!ok) {
    for (napi_ref ref : task->refs) napi_delete_reference(env, ref);
    delete task;
    return nullptr;
  }
  task->kernels = generic_only ? kGeneric : kKernels;
  cj.low = low, cj.cartoon = cartoon, cj.prev_low = prev_low, cj.prev_state = prev_state;
  cj.params = {params[0], params[1], params[2], params[4], params[5], params[6], params[7]};
  fj.guide = guide, fj.low_width = cj.width, fj.low_height = cj.height, fj.prev = prev_output, fj.out = output;

  napi_value promise, name;
  napi_create_promise(env, &task->deferred, &promise);
  napi_create_string_utf8(env, "toonstream.postprocess", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, execute, complete, task, &task->work);
  napi_queue_async_work(env, task->work);
  return promise;
}

napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "postprocess", NAPI_AUTO_LENGTH, postprocess, nullptr, &fn);
  napi_set_named_property(env, exports, "postprocess", fn);
  napi_value isa;
  napi_create_string_utf8(env, kKernels.name, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "instructionSet", isa);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
