import { asksForToon, forRealCamera, namedIds, realCameraConstraints, requestedIds, routeVideo, TOON_DEVICE_ID } from '../../client/extension/constraints';

const TOON = TOON_DEVICE_ID;
const only = { useForAll: false, realCameraId: null };
const all = { useForAll: true, realCameraId: null };

describe('which camera requests go to toonstream', () => {
  it('reads device ids from every ConstrainDOMString form', () => {
    expect(namedIds(undefined)).toEqual([]);
    expect(namedIds('a')).toEqual(['a']);
    expect(namedIds(['a', 'b'])).toEqual(['a', 'b']);
    expect(namedIds({ exact: 'a' })).toEqual(['a']);
    expect(namedIds({ ideal: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(namedIds({ exact: 'a', ideal: 'b' })).toEqual(['a', 'b']);
    expect(requestedIds({ deviceId: 'a', advanced: [{ deviceId: { exact: 'b' } }, { width: 640 }] })).toEqual(['a', 'b']);
    expect(requestedIds(true)).toEqual([]);
  });

  it.each([
    ['a plain id', { deviceId: TOON }],
    ['exact', { deviceId: { exact: TOON } }],
    ['ideal', { deviceId: { ideal: TOON } }],
    ['one of several', { deviceId: ['real', TOON] }],
    ['an advanced set', { advanced: [{ deviceId: TOON }] }],
  ])('asks for toonstream by %s', (_name, video) => {
    expect(asksForToon(video)).toBe(true);
    expect(routeVideo(video, only).kind).toBe('toon');
  });

  it('leaves requests without video, or for real cameras, to the browser', () => {
    expect(routeVideo(undefined, all)).toEqual({ kind: 'native' });
    expect(routeVideo(false, all)).toEqual({ kind: 'native' });
    expect(routeVideo(true, only)).toEqual({ kind: 'native' });
    expect(routeVideo({ width: 640 }, only)).toEqual({ kind: 'native' });
    expect(routeVideo({ deviceId: { exact: 'real' } }, only)).toEqual({ kind: 'native' });
    expect(asksForToon({ deviceId: 'toonstream' })).toBe(false);
  });

  it('with "use for every camera" cartoonizes any request, keeping a real camera the page named', () => {
    expect(routeVideo(true, all)).toEqual({ kind: 'toon', camera: true });
    expect(routeVideo({ width: 640 }, all)).toEqual({ kind: 'toon', camera: { width: 640 } });
    expect(routeVideo({ width: 640 }, { useForAll: true, realCameraId: 'cam2' })).toEqual({ kind: 'toon', camera: { width: 640, deviceId: { ideal: 'cam2' } } });
    const named = { deviceId: { exact: 'cam1' }, height: 360 };
    expect(routeVideo(named, { useForAll: true, realCameraId: 'cam2' })).toEqual({ kind: 'toon', camera: named });
  });
});

describe('what the real camera is asked for', () => {
  it('drops the toonstream device and group, keeps the other constraints and prefers the chosen camera', () => {
    const video = { deviceId: { exact: TOON }, groupId: 'toonstream', width: { ideal: 1280 }, frameRate: 30 };
    expect(routeVideo(video, { useForAll: false, realCameraId: 'cam2' })).toEqual({
      kind: 'toon',
      camera: { width: { ideal: 1280 }, frameRate: 30, deviceId: { ideal: 'cam2' } },
    });
    expect(routeVideo(video, only)).toEqual({ kind: 'toon', camera: { width: { ideal: 1280 }, frameRate: 30 } });
  });

  it('asks for any camera when nothing else is left, and cleans advanced sets', () => {
    expect(realCameraConstraints({ deviceId: TOON }, null)).toBe(true);
    expect(realCameraConstraints(true, null)).toBe(true);
    expect(realCameraConstraints(true, 'cam')).toEqual({ deviceId: { ideal: 'cam' } });
    expect(realCameraConstraints({ advanced: [{ deviceId: TOON }] }, null)).toBe(true);
    expect(realCameraConstraints({ advanced: [{ deviceId: TOON, aspectRatio: 1.5 }, { groupId: 'g' }] }, null)).toEqual({ advanced: [{ aspectRatio: 1.5 }] });
  });

  it('does not change the page\'s object', () => {
    const video = { deviceId: { exact: TOON }, width: 640 };
    realCameraConstraints(video, 'cam');
    expect(video).toEqual({ deviceId: { exact: TOON }, width: 640 });
  });

  it('passes later constraint changes on without device choices', () => {
    expect(forRealCamera(undefined)).toBeUndefined();
    expect(forRealCamera({ deviceId: TOON })).toEqual({});
    expect(forRealCamera({ deviceId: TOON, frameRate: 15 })).toEqual({ frameRate: 15 });
  });
});
