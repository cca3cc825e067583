// npm ci's install step: builds native/ (the CPU post-processing and resize addon) with node-gyp. Against
// this Node's own headers when they are installed beside it (official tarballs, Debian and
// NodeSource packages), so no header download is needed; otherwise node-gyp fetches them.
// A failed build does not fail the install: the pipeline then runs the post-processing as an
// ONNX graph, resizes frames with sharp, and logs why (docs/PIPELINE.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const prefix = dirname(dirname(process.execPath));
const args = ['rebuild', '--directory=native', '--loglevel=warn'];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const build = spawnSync('node-gyp', args, { stdio: 'inherit' });
if (build.status !== 0) {
  const reason = build.error ? build.error.message : `node-gyp exited with ${build.status}`;
  console.warn(
    `toonstream: native/ did not build (${reason}; it needs python3, make and g++): ` +
      'the post-processing falls back to ONNX Runtime alone, several times slower on a CPU (and sharp resizes frames)',
  );
}
