import { TOON_DEVICE_ID } from '../../client/extension/constraints';
import { cameraIdByLabel, withToonCamera, type DeviceEntry } from '../../client/extension/devices';

const dev = (kind: MediaDeviceKind, deviceId: string, label = ''): DeviceEntry => ({ kind, deviceId, label, groupId: `g-${deviceId}` });
const toon = dev('videoinput', TOON_DEVICE_ID, 'toonstream camera');

describe('the device list a page sees', () => {
  it('adds toonstream camera after the last real camera', () => {
    const list = [dev('audioinput', 'mic'), dev('videoinput', 'cam1'), dev('videoinput', 'cam2'), dev('audiooutput', 'spk')];
    expect(withToonCamera(list, toon).map((d) => d.deviceId)).toEqual(['mic', 'cam1', 'cam2', TOON_DEVICE_ID, 'spk']);
    expect(list).toHaveLength(4);
  });

  it('adds nothing without a real camera, and never twice', () => {
    const mics = [dev('audioinput', 'mic')];
    expect(withToonCamera(mics, toon)).toEqual(mics);
    const once = withToonCamera([dev('videoinput', 'cam')], toon);
    expect(withToonCamera(once, toon)).toEqual(once);
  });

  it('finds the chosen real camera by its label (ids differ per site)', () => {
    const list = [dev('audioinput', 'mic', 'USB Camera'), dev('videoinput', 'a', 'Built-in'), dev('videoinput', 'b', 'USB Camera')];
    expect(cameraIdByLabel(list, 'USB Camera')).toBe('b');
    expect(cameraIdByLabel(list, 'Gone')).toBeNull();
    expect(cameraIdByLabel(list, '')).toBeNull();
    expect(cameraIdByLabel([dev('videoinput', 'a')], 'Built-in')).toBeNull();
  });
});
