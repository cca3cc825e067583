// npm run bench [-- --only NAME[,NAME]] [--json FILE] [--runs N] [--models DIR]
// Measures every loaded model; falls back to the test fixture model when none is installed.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Registry } from 'prom-client';
import { formatTable } from '../src/cli/table';
import { loadConfig } from '../src/config';
import { createEngine } from '../src/engine';
import { repoRoot } from '../src/paths';
import { sections, type BenchContext, type BenchResult } from './bench/index';

function machine(): Record<string, string | number> {
  const cpu = cpus();
  const ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    onnxruntimeNode: ortVersion,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      json: { type: 'string' },
      runs: { type: 'string' },
      models: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--only NAME[,NAME]] [--json FILE] [--runs N] [--models DIR]');
    console.log(`sections: ${sections.map((s) => `${s.name} (${s.description})`).join('; ')}`);
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !sections.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${sections.map((s) => s.name).join(', ')}`);
  const runs = values.runs ? Number(values.runs) : 30;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);

  const config = loadConfig(process.env, { models: values.models });
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let engine = await createEngine({ ...engineOptions(config), logger, registry: new Registry() });
  let usingFixture = false;
  if (engine.models().length === 0) {
    await engine.close();
    const fixtureDir = join(repoRoot, 'test', 'fixtures', 'models');
    log(`no model in ${config.modelsDir}: benchmarking the test fixture (tiny-test) from ${fixtureDir} instead`);
    engine = await createEngine({ ...engineOptions(config), modelsDir: fixtureDir, logger, registry: new Registry() });
    usingFixture = true;
  }
  const ctx: BenchContext = { config, engine, models: engine.models().map((m) => m.name), usingFixture, runs, log };
  const info = { ...machine(), device: engine.device, intraOpThreads: config.intraOpThreads || 'auto', runs };
  console.log(`toonstream bench · ${Object.entries(info).map(([k, v]) => `${k}: ${v}`).join(' · ')}`);
  if (usingFixture) console.log('NOTE: no model installed; numbers are for the tiny-test fixture, not a cartoon GAN.');

  const results: Array<{ name: string } & BenchResult> = [];
  try {
    for (const section of sections.filter((s) => !only || only.includes(s.name))) {
      const result = await section.run(ctx);
      results.push({ name: section.name, ...result });
      console.log(`\n${result.title}\n${formatTable(result.columns, result.rows)}${(result.notes ?? []).map((n) => `  ${n}\n`).join('')}`);
    }
  } finally {
    await engine.close();
  }
  if (values.json) {
    const report = { date: new Date().toISOString(), machine: info, usingFixture, sections: results.map(({ name, title, data }) => ({ name, title, data })) };
    writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
}

function engineOptions(config: ReturnType<typeof loadConfig>) {
  return {
    modelsDir: config.modelsDir,
    device: config.device,
    intraOpThreads: config.intraOpThreads,
    interOpThreads: config.interOpThreads,
  };
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
