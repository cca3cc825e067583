// Node's binding of the CPU pixel work: the post-processing and the resize of incoming frames.
//
//   postprocess({ guide, width, height, low, cartoon, lowWidth, lowHeight,
//                 prevLow, prevState, prevOutput, params, output, state, result }): Promise<void>
//
// guide/output: RGB24 at output size; low/cartoon/prevLow: RGB24 at working size; prevState and
// state: planar float RGB at working size; prevOutput: the stream's previous output; the three
// prev* are null without a previous frame. params: Float32Array [smoothing, strength,
// cut_threshold, (unused), motion_tau, eps, detail, full_res] (the graph's layout). result
// receives [change, dx, dy, zoom].
//
//   resize({ src, width, height, output, outputWidth, outputHeight }): Promise<void>
//
// src and output: RGB24 (resize.h says how it filters).
//
// genericKernels (optional on both, tests): skip the AVX2 build. Every argument is checked here;
// the work runs on libuv's pool. `instructionSet` names the kernel build in use ('avx2' or
// 'generic').
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

using namespace toonstream;

// One call's work on libuv's pool; the JS values it reads or writes stay referenced (alive and in
// place) until it completes.
struct Task {
  virtual ~Task() = default;
  virtual void run() = 0;
  Kernels kernels{};
  std::vector<napi_ref> refs;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

struct PostprocessTask : Task {
  CoefficientsJob coefficients_job{};
  FinishJob finish_job{};
  float* state = nullptr;
  float* result = nullptr;

  void run() override {
    // Reused by this pool thread from frame to frame: fresh megabytes would page-fault every time.
    thread_local Coefficients coefficients;
    kernels.compute_coefficients(coefficients_job, state, coefficients);
    finish_job.coef_a = coefficients.a.data();
    finish_job.coef_b = coefficients.b.data();
    finish_job.blend = coefficients.blend.data();
    // Working-size pixels -> output pixels; the zoom is scale-free.
    finish_job.dx = coefficients.motion[0] * static_cast<float>(finish_job.width) / static_cast<float>(finish_job.low_width);
    finish_job.dy = coefficients.motion[1] * static_cast<float>(finish_job.height) / static_cast<float>(finish_job.low_height);
    finish_job.zoom = coefficients.motion[2];
    kernels.finish(finish_job);
    result[0] = coefficients.change;
    for (int i = 0; i < 3; ++i) result[1 + i] = coefficients.motion[i];
  }
};

struct ResizeTask : Task {
  ResizeJob job{};
  void run() override { kernels.resize(job); }
};

const Kernels kKernels = select_kernels();
const Kernels kGeneric = generic_kernels();

void execute(napi_env, void* data) { static_cast<Task*>(data)->run(); }

void complete(napi_env env, napi_status status, void* data) {
  Task* task = static_cast<Task*>(data);
  for (napi_ref ref : task->refs) napi_delete_reference(env, ref);
  if (status == napi_ok) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, task->deferred, undefined);
  } else {
    napi_value message, error;
    napi_create_string_utf8(env, "the native work was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, nullptr, message, &error);
    napi_reject_deferred(env, task->deferred, error);
  }
  napi_delete_async_work(env, task->work);
  delete task;
}

// Reads the arguments object; on a bad field throws a TypeError naming it and returns false.
class Reader {
 public:
  Reader(napi_env env, const char* function, napi_value object, Task* task)
      : env_(env), function_(function), object_(object), task_(task) {}

  // The optional boolean genericKernels: the kernels built for any CPU instead of this CPU's.
  bool kernels() {
    napi_value value;
    bool generic = false;
    bool has = false;
    napi_has_named_property(env_, object_, "genericKernels", &has);
    if (has && (!get("genericKernels", &value) || napi_get_value_bool(env_, value, &generic) != napi_ok)) {
      return fail("genericKernels must be a boolean");
    }
    task_->kernels = generic ? kGeneric : kKernels;
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
    napi_throw_type_error(env_, nullptr, (function_ + ": " + message).c_str());
    return false;
  }

  napi_env env_;
  std::string function_;
  napi_value object_;
  Task* task_;
};

// The one object argument of `function`, or nullptr after throwing a TypeError.
napi_value object_argument(napi_env env, napi_callback_info info, const char* function) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  napi_valuetype kind = napi_undefined;
  if (argc == 1) napi_typeof(env, arg, &kind);
  if (kind != napi_object) {
    napi_throw_type_error(env, nullptr, (std::string(function) + " takes one object argument").c_str());
    return nullptr;
  }
  return arg;
}

// Queues a task whose arguments were read (`ok`), or drops it after a TypeError; the promise of
// its completion, or nullptr.
napi_value queue(napi_env env, Task* task, bool ok, const char* name) {
  if (!ok) {
    for (napi_ref ref : task->refs) napi_delete_reference(env, ref);
    delete task;
    return nullptr;
  }
  napi_value promise, resource_name;
  napi_create_promise(env, &task->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, nullptr, resource_name, execute, complete, task, &task->work);
  napi_queue_async_work(env, task->work);
  return promise;
}

napi_value postprocess(napi_env env, napi_callback_info info) {
  napi_value arg = object_argument(env, info, "postprocess");
  if (!arg) return nullptr;
  PostprocessTask* task = new PostprocessTask();
  Reader read(env, "postprocess", arg, task);
  CoefficientsJob& cj = task->coefficients_job;
  FinishJob& fj = task->finish_job;
  uint8_t *guide, *low, *cartoon, *prev_low, *prev_output, *output;
  float *prev_state, *params;
  bool ok = read.kernels() && read.integer("width", &fj.width) && read.integer("height", &fj.height) &&
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
  if (ok) {
    cj.low = low, cj.cartoon = cartoon, cj.prev_low = prev_low, cj.prev_state = prev_state;
    cj.params = {params[0], params[1], params[2], params[4], params[5], params[6], params[7]};
    fj.guide = guide, fj.low_width = cj.width, fj.low_height = cj.height, fj.prev = prev_output, fj.out = output;
  }
  return queue(env, task, ok, "toonstream.postprocess");
}

napi_value resize(napi_env env, napi_callback_info info) {
  napi_value arg = object_argument(env, info, "resize");
  if (!arg) return nullptr;
  ResizeTask* task = new ResizeTask();
  Reader read(env, "resize", arg, task);
  ResizeJob& job = task->job;
  uint8_t* src = nullptr;
  bool ok = read.kernels() && read.integer("width", &job.src_width) &&
            read.integer("height", &job.src_height) && read.integer("outputWidth", &job.width) &&
            read.integer("outputHeight", &job.height);
  ok = ok && read.array("src", napi_uint8_array, static_cast<size_t>(job.src_width) * job.src_height * 3, &src) &&
       read.array("output", napi_uint8_array, static_cast<size_t>(job.width) * job.height * 3, &job.dst);
  job.src = src;
  return queue(env, task, ok, "toonstream.resize");
}

napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "postprocess", NAPI_AUTO_LENGTH, postprocess, nullptr, &fn);
  napi_set_named_property(env, exports, "postprocess", fn);
  napi_create_function(env, "resize", NAPI_AUTO_LENGTH, resize, nullptr, &fn);
  napi_set_named_property(env, exports, "resize", fn);
  napi_value isa;
  napi_create_string_utf8(env, kKernels.name, NAPI_AUTO_LENGTH, &isa);
  napi_set_named_property(env, exports, "instructionSet", isa);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
