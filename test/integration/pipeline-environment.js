// Jest runs tests in a separate V8 context whose typed-array constructors differ from the ones
// onnxruntime-node's native code uses for float outputs, so `instanceof Float32Array` fails in
// onnxruntime-common. Sharing the host's constructors fixes that (jest already shares Uint8Array).
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint16Array', 'Uint32Array',
  'BigInt64Array', 'BigUint64Array'];

class PipelineEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = PipelineEnvironment;
