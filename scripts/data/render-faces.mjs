#!/usr/bin/env node
// Render N random facesjs cartoon faces (Apache-2.0) to 256x256 PNGs with sharp.
//
// Usage: node scripts/data/render-faces.mjs --out DIR [--json-dir DIR] [--n 1500] [--seed 1] [--start 0] [--size 256]
//
// Each face i uses its own seeded PRNG (seed, i), so any face can be regenerated alone and the
// output does not depend on which files already exist. Math.random is replaced by that PRNG
// while facesjs generates the face. Alongside face-XXXXX.png we write face-XXXXX.json (the face
// object plus background and framing; in --json-dir if given, else next to the PNG), so every
// image is reproducible with facesjs alone.
// Idempotent: faces whose PNG already exists are skipped.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const sharp = require("sharp");
const { generate, faceToSvgString } = await import("facesjs");

function parseArgs(argv) {
  const args = { out: null, jsonDir: null, n: 1500, seed: 1, start: 0, size: 256, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === "--out") args.out = next();
    else if (a === "--json-dir") args.jsonDir = next();
    else if (a === "--n") args.n = parseInt(next(), 10);
    else if (a === "--seed") args.seed = parseInt(next(), 10);
    else if (a === "--start") args.start = parseInt(next(), 10);
    else if (a === "--size") args.size = parseInt(next(), 10);
    else if (a === "--quiet") args.quiet = true;
    else if (a === "--help" || a === "-h") {
      console.log("node scripts/data/render-faces.mjs --out DIR [--json-dir DIR] [--n 1500] [--seed 1] [--start 0] [--size 256]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!args.out) throw new Error("--out DIR is required");
  if (!Number.isInteger(args.n) || args.n < 0) throw new Error("--n must be a non-negative integer");
  return args;
}

// mulberry32: small, fast, good enough for picking features.
function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(seed, i) {
  let h = (seed * 0x9e3779b1) ^ (i * 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function hsl(h, s, l) {
  return `hsl(${h.toFixed(1)},${(s * 100).toFixed(1)}%,${(l * 100).toFixed(1)}%)`;
}

function randomColor(rng, sMin, sMax, lMin, lMax) {
  return hsl(rng() * 360, sMin + rng() * (sMax - sMin), lMin + rng() * (lMax - lMin));
}

const RACES = ["white", "black", "asian", "brown"];

function makeFace(seed, i) {
  const rng = mulberry32(hashSeed(seed, i));
  const saved = Math.random;
  Math.random = rng;
  let face;
  try {
    const gender = rng() < 0.5 ? "male" : "female";
    const race = RACES[Math.floor(rng() * RACES.length)];
    face = generate(undefined, { gender, race });
    // Vary the jersey colours (the default is one team's colours for every face).
    face.teamColors = [randomColor(rng, 0.3, 0.9, 0.3, 0.7), randomColor(rng, 0.3, 0.9, 0.2, 0.6), randomColor(rng, 0.2, 0.8, 0.15, 0.5)];
    // A few fantasy skin colours, as cartoons have.
    if (rng() < 0.04) face.body.color = randomColor(rng, 0.4, 0.8, 0.45, 0.7);
    face.__meta = { gender, race };
  } finally {
    Math.random = saved;
  }
  // Background: flat (45%), soft linear gradient (40%) or soft radial gradient (15%).
  const kind = rng() < 0.45 ? "flat" : rng() < 0.73 ? "linear" : "radial";
  const c1 = randomColor(rng, 0.15, 0.85, 0.45, 0.92);
  const h2shift = (rng() - 0.5) * 80;
  const c2 = c1.replace(/hsl\(([\d.]+)/, (_, h) => `hsl(${((parseFloat(h) + h2shift + 360) % 360).toFixed(1)}`).replace(/,([\d.]+)%\)$/, (_, l) => `,${Math.max(25, Math.min(95, parseFloat(l) + (rng() - 0.5) * 30)).toFixed(1)}%)`);
  const angle = rng() * 360;
  // Framing: outer square viewBox side between 420 (head and shoulders) and 720 (smaller face
  // with more background around it).
  const side = 420 + rng() * 300;
  const cx = 200 + (rng() - 0.5) * Math.max(40, side - 400);
  const top = side <= 600 ? rng() * (600 - side) * 0.5 : -(side - 600) * (0.3 + 0.5 * rng());
  return { face, bg: { kind, c1, c2, angle }, frame: { side, cx, top } };
}

function buildSvg({ face, bg, frame }) {
  const meta = face.__meta;
  delete face.__meta;
  const inner = faceToSvgString(face);
  face.__meta = meta;
  const { side, cx, top } = frame;
  const x0 = cx - side / 2;
  let defs = "";
  let fill = bg.c1;
  if (bg.kind === "linear") {
    const a = (bg.angle * Math.PI) / 180;
    const dx = Math.cos(a) / 2, dy = Math.sin(a) / 2;
    defs = `<defs><linearGradient id="bg" x1="${0.5 - dx}" y1="${0.5 - dy}" x2="${0.5 + dx}" y2="${0.5 + dy}"><stop offset="0" stop-color="${bg.c1}"/><stop offset="1" stop-color="${bg.c2}"/></linearGradient></defs>`;
    fill = "url(#bg)";
  } else if (bg.kind === "radial") {
    defs = `<defs><radialGradient id="bg" cx="0.5" cy="0.4" r="0.75"><stop offset="0" stop-color="${bg.c1}"/><stop offset="1" stop-color="${bg.c2}"/></radialGradient></defs>`;
    fill = "url(#bg)";
  }
  // Nest the 400x600 face SVG inside a square canvas.
  const nested = inner
    .replace(/^<svg\b[^>]*>/, (tag) => tag.replace(/\s(width|height)="[^"]*"/g, "").replace(/^<svg\b/, `<svg x="0" y="0" width="400" height="600"`));
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="${x0.toFixed(1)} ${top.toFixed(1)} ${side.toFixed(1)} ${side.toFixed(1)}" width="512" height="512">${defs}<rect x="${x0 - 10}" y="${top - 10}" width="${side + 20}" height="${side + 20}" fill="${fill}"/>${nested}</svg>`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  const jsonDir = args.jsonDir ?? args.out;
  fs.mkdirSync(jsonDir, { recursive: true });
  let made = 0, skipped = 0;
  const t0 = Date.now();
  const end = args.start + args.n;
  for (let i = args.start; i < end; i++) {
    const name = `face-${String(i).padStart(5, "0")}`;
    const png = path.join(args.out, `${name}.png`);
    if (fs.existsSync(png)) {
      skipped++;
      continue;
    }
    const spec = makeFace(args.seed, i);
    const svg = buildSvg(spec);
    const tmp = `${png}.tmp`;
    await sharp(Buffer.from(svg), { density: 72 })
      .resize(args.size, args.size, { kernel: "lanczos3" })
      .flatten({ background: "#ffffff" })
      .png({ compressionLevel: 6 })
      .toFile(tmp);
    const meta = { index: i, seed: args.seed, generator: "facesjs@5", license: "Apache-2.0", ...spec.face.__meta, background: spec.bg, frame: spec.frame };
    delete spec.face.__meta;
    fs.writeFileSync(path.join(jsonDir, `${name}.json`), JSON.stringify({ meta, face: spec.face }));
    fs.renameSync(tmp, png);
    made++;
    if (!args.quiet && (made % 100 === 0)) {
      console.log(`faces: ${made + skipped}/${args.n} (${made} rendered, ${skipped} existed) ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
  }
  console.log(`render-faces: ${made} rendered, ${skipped} already present, ${args.n} requested -> ${args.out} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
}

main().catch((e) => {
  console.error(`render-faces: ${e.message}`);
  process.exit(1);
});
