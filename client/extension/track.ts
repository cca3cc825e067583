// Makes the server's cartoon track look and behave like a camera track to the page.
import { forRealCamera, TOON_DEVICE_ID, TOON_GROUP_ID, TOON_LABEL } from './constraints';

export interface Stoppable<T> {
  stop(): void;
  clone(): T;
}

/**
 * Calls `release` once, when the track and every clone made of it (and of the clones) has been
 * stopped: a page may clone the camera track and stop the original first. `dress` is applied to
 * each clone, as it was to the track.
 */
export function shareStop<T extends Stoppable<T>>(track: T, release: () => void, dress: (clone: T) => T = (t) => t): T {
  let live = 0;
  const wrap = (t: T): T => {
    live++;
    let stopped = false;
    const stop = t.stop.bind(t);
    const clone = t.clone.bind(t);
    Object.defineProperty(t, 'stop', {
      configurable: true,
      value: () => {
        stop();
        if (stopped) return;
        stopped = true;
        if (--live === 0) release();
      },
    });
    Object.defineProperty(t, 'clone', { configurable: true, value: () => wrap(dress(clone())) });
    return t;
  };
  return wrap(track);
}

/**
 * Gives the cartoon track the toonstream camera's label and ids (pages read getSettings().deviceId
 * to mark the chosen camera) and sends constraint changes (size, frame rate) to the real camera.
 */
export function dressAsCamera(cartoon: MediaStreamTrack, camera: MediaStreamTrack): MediaStreamTrack {
  const settings = cartoon.getSettings.bind(cartoon);
  const define = (name: string, value: unknown): void => {
    Object.defineProperty(cartoon, name, { configurable: true, value });
  };
  Object.defineProperty(cartoon, 'label', { configurable: true, get: () => TOON_LABEL });
  define('getSettings', (): MediaTrackSettings => ({ ...camera.getSettings(), ...settings(), deviceId: TOON_DEVICE_ID, groupId: TOON_GROUP_ID }));
  define('getCapabilities', (): MediaTrackCapabilities => ({ ...camera.getCapabilities(), deviceId: TOON_DEVICE_ID, groupId: TOON_GROUP_ID }));
  define('getConstraints', (): MediaTrackConstraints => camera.getConstraints());
  define('applyConstraints', (c?: MediaTrackConstraints): Promise<void> => camera.applyConstraints(forRealCamera(c)));
  return cartoon;
}
