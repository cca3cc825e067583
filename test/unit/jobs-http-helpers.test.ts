import { contentDisposition, parseRange, resultFilename, sanitizeFilename } from '../../src/jobs';

describe('parseRange', () => {
  const size = 1000;
  test.each([
    [undefined, undefined],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=50-10', undefined],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
    ['bytes=-', undefined],
  ])('%s', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('upload filenames', () => {
  test.each([
    ['holiday.mp4', 'holiday.mp4'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\boot.ini', 'boot.ini'],
    ['C:\\Users\\me\\clip.mov', 'clip.mov'],
    ['a\u0000b\nc\rd\u001b[0m.mp4', 'abcd[0m.mp4'],
    ['\u202Egnp.exe.mp4', 'gnp.exe.mp4'],
    ['...hidden.mp4', 'hidden.mp4'],
    ['   spaced   out .mp4 ', 'spaced out .mp4'],
    ['..', 'video'],
    ['', 'video'],
    [undefined, 'video'],
    ['x'.repeat(500), 'x'.repeat(120)],
  ])('%j -> %j', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });

  test('result names and Content-Disposition', () => {
    expect(resultFilename('holiday.mov', 'mp4')).toBe('holiday-cartoon.mp4');
    expect(resultFilename('noext', 'webm')).toBe('noext-cartoon.webm');
    expect(contentDisposition('Fête "quoted".mp4')).toBe(
      `attachment; filename="F_te _quoted_.mp4"; filename*=UTF-8''F%C3%AAte%20%22quoted%22.mp4`,
    );
    expect(contentDisposition('a.mp4', 'inline')).toMatch(/^inline; /);
  });
});
