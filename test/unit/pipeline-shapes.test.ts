import { LatencyWindow } from '../../src/pipeline/latency';
import { shapeKey, workingShape } from '../../src/pipeline/shapes';
import { resolveConfig } from '../../src/pipeline/config';

describe('workingShape', () => {
  test('scales the short side to the working size and rounds to the bucket', () => {
    expect(workingShape(1280, 720, 256, 32)).toEqual({ width: 448, height: 256 });
    expect(workingShape(720, 1280, 256, 32)).toEqual({ width: 256, height: 448 });
    expect(workingShape(640, 480, 256, 32)).toEqual({ width: 352, height: 256 });
  });

  test('near-equal aspect ratios share a bucket', () => {
    const a = shapeKey(workingShape(1280, 720, 256, 32));
    const b = shapeKey(workingShape(1920, 1088, 256, 32));
    const c = shapeKey(workingShape(854, 480, 256, 32));
    expect(new Set([a, b, c]).size).toBe(1);
  });

  test('never upscales a small output', () => {
    expect(workingShape(160, 120, 256, 8)).toEqual({ width: 160, height: 120 });
  });
});

describe('LatencyWindow', () => {
  test('median and p95 over the recent window only', () => {
    const w = new LatencyWindow(100);
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.quantile(0.5)).toBe(50);
    expect(w.quantile(0.95)).toBe(95);
    for (let i = 0; i < 100; i++) w.add(1000);
    expect(w.quantile(0.5)).toBe(1000);
  });
});

describe('resolveConfig', () => {
  test('device defaults, overrides, and range checks', () => {
    expect(resolveConfig('cpu', {}, '/g').maxBatchSize).toBe(4);
    expect(resolveConfig('cuda', {}, '/g').maxBatchSize).toBe(16);
    expect(resolveConfig('cpu', { maxBatchSize: 2, smoothing: undefined }, '/g')).toMatchObject({ maxBatchSize: 2, smoothing: 0.8 });
    expect(() => resolveConfig('cpu', { smoothing: 2 }, '/g')).toThrow(RangeError);
    expect(() => resolveConfig('cpu', { maxBatchSize: 1.5 }, '/g')).toThrow(RangeError);
  });
});
