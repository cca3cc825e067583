import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CardError, validateCard } from '../../src/engine';
import { fixtureModelsDir } from '../support/fixtures';

const good = JSON.parse(readFileSync(join(fixtureModelsDir, 'tiny-test.json'), 'utf8')) as Record<string, unknown>;

describe('validateCard', () => {
  it('accepts the fixture card and keeps extra fields', () => {
    const card = validateCard({ ...good, extra: { notes: 'kept' } }, 'tiny-test.json', 'tiny-test');
    expect(card.name).toBe('tiny-test');
    expect(card.input).toEqual({ layout: 'NHWC', dtype: 'uint8', channels: 3, multipleOf: 1, workingShortSide: 256 });
    expect((card as unknown as { extra: unknown }).extra).toEqual({ notes: 'kept' });
  });

  it('accepts an fp16 file', () => {
    const card = validateCard({ ...good, files: { fp32: 'a.onnx', fp16: 'a.fp16.onnx' } }, 'x.json');
    expect(card.files).toEqual({ fp32: 'a.onnx', fp16: 'a.fp16.onnx' });
  });

  it.each([
    [{ ...good, name: undefined }, 'x.json: name must be a non-empty string (missing)'],
    [{ ...good, kind: 'slow' }, 'x.json: kind must be one of "fast"|"hq" (got "slow")'],
    [{ ...good, files: {} }, 'x.json: files.fp32 must be a non-empty string (missing)'],
    [{ ...good, files: { fp32: '../../etc/passwd' } }, 'x.json: files.fp32 must be a path inside the models directory'],
    [{ ...good, files: { fp32: '/abs.onnx' } }, 'x.json: files.fp32 must be a path inside the models directory'],
    [{ ...good, input: { ...(good.input as object), layout: 'NCHW' } }, 'x.json: input.layout must be one of "NHWC"'],
    [{ ...good, input: { ...(good.input as object), multipleOf: 0 } }, 'x.json: input.multipleOf must be a number >= 1'],
    [{ ...good, params: -3 }, 'x.json: params must be a number >= 0'],
    [{ ...good, metrics: { fid: 'low' } }, 'x.json: metrics.fid must be a number'],
    [{ ...good, training: { ...(good.training as object), data: [{ name: 'photos' }] } }, 'x.json: training.data[0].licence must be a non-empty string'],
    [{ ...good, name: 'has space' }, 'x.json: name must be letters, digits'],
    [[], 'x.json: card must be an object'],
  ])('rejects a bad card with a message naming the field (%#)', (value, message) => {
    expect(() => validateCard(value, 'x.json')).toThrow(CardError);
    expect(() => validateCard(value, 'x.json')).toThrow(message);
  });

  it('requires the card name to match its file name', () => {
    expect(() => validateCard(good, 'other.json', 'other')).toThrow('name "tiny-test" does not match the file name');
  });
});
