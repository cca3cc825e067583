// Integration tests run the built CLI, serve the built client and start ONNX Runtime worker threads
// from dist/src/ort (a worker cannot run TypeScript): build once if dist is missing.
// `npm test` always rebuilds first; this covers a bare `npx jest`.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..');
  const needed = ['dist/src/cli/main.js', 'dist/src/ort/session-worker.js', 'dist/client/index.html', 'dist/client/main.js', 'dist/extension/manifest.json'];
  if (needed.some((p) => !existsSync(join(root, p)))) {
    execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
  }
};
