// Bundles client/*.ts into dist/client and copies the page's static files beside them; bundles the
// browser extension (client/extension) into dist/extension, ready for "Load unpacked".
import { build } from 'esbuild';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'client');
const out = join(root, 'dist', 'client');

const files = await readdir(src);
const entries = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join(src, f));
const assets = files.filter((f) => /\.(html|css|svg|png|ico|webmanifest)$/.test(f));

await mkdir(out, { recursive: true });
await build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
await Promise.all(assets.map((f) => copyFile(join(src, f), join(out, f))));
console.log(`client: ${entries.length} script(s), ${assets.length} asset(s) -> ${out}`);

const extSrc = join(src, 'extension');
const extOut = join(root, 'dist', 'extension');
// Each entry is one script the manifest names; the other modules are bundled into them.
const extEntries = ['main-world', 'bridge', 'background', 'options'].map((name) => join(extSrc, `${name}.ts`));
const extAssets = (await readdir(extSrc)).filter((f) => /\.(json|html|css|png)$/.test(f));
await mkdir(extOut, { recursive: true });
await build({
  entryPoints: extEntries,
  outdir: extOut,
  bundle: true,
  format: 'iife',
  target: ['chrome111'],
  // Readable in chrome://extensions error views; the scripts are small.
  minify: false,
  sourcemap: true,
  logLevel: 'warning',
});
await Promise.all(extAssets.map((f) => copyFile(join(extSrc, f), join(extOut, f))));
console.log(`extension: ${extEntries.length} script(s), ${extAssets.length} asset(s) -> ${extOut}`);
