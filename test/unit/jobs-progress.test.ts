import { PassThrough } from 'node:stream';
import { ProgressBar, formatDuration } from '../../src/cli/progress-bar';
import { RateMeter } from '../../src/jobs/rate';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

describe('RateMeter', () => {
  test('frames per second over the window, and the time left', () => {
    const m = new RateMeter(3000);
    m.add(0, 0);
    expect(m.fps()).toBeUndefined();
    m.add(10, 500);
    m.add(30, 1500);
    expect(m.fps()).toBeCloseTo(20);
    expect(m.etaS(30, 90)).toBeCloseTo(3);
    m.add(40, 5000); // old samples fall out of the window
    expect(m.fps()).toBeCloseTo(10 / 3.5);
  });
});

describe('ProgressBar', () => {
  test('plain lines off a TTY: at most one a second, plus every 10%', () => {
    const c = capture();
    const bar = new ProgressBar(c.out, false);
    bar.update({ done: 1, total: 100 }, 1000);
    bar.update({ done: 2, total: 100 }, 1100);
    bar.update({ done: 10, total: 100, fps: 12.34, etaS: 75 }, 1200);
    bar.update({ done: 11, total: 100 }, 2300);
    bar.finish();
    expect(c.text()).toBe(
      'progress   1%  1/100 frames  -- fps  ETA --:--\n' +
        'progress  10%  10/100 frames  12.3 fps  ETA 1:15\n' +
        'progress  11%  11/100 frames  -- fps  ETA --:--\n',
    );
  });

  test('a redrawn bar on a TTY, ended with a newline', () => {
    const c = capture();
    const bar = new ProgressBar(c.out, true, 10);
    bar.update({ done: 5, total: 10, fps: 5, etaS: 1 }, 1000);
    bar.update({ done: 10, total: 10, fps: 5, etaS: 0 }, 1001);
    bar.finish();
    expect(c.text()).toBe(
      '\r[#####-----]  50%  5/10 frames  5.0 fps  ETA 0:01\x1b[K\r[##########] 100%  10/10 frames  5.0 fps  ETA 0:00\x1b[K\n',
    );
  });

  test('durations', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
  });
});
