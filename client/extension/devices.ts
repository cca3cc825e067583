// The device list as a page sees it: the real devices with "toonstream camera" after the last camera.

export interface DeviceEntry {
  readonly deviceId: string;
  readonly kind: MediaDeviceKind;
  readonly label: string;
  readonly groupId: string;
}

/**
 * `devices` with `toon` added after the last real video input. Unchanged when there is no real
 * camera (nothing to cartoonize) or toon is already listed.
 */
export function withToonCamera<T extends DeviceEntry>(devices: readonly T[], toon: T): T[] {
  const last = devices.map((d) => d.kind).lastIndexOf('videoinput');
  if (last < 0 || devices.some((d) => d.deviceId === toon.deviceId)) return [...devices];
  return [...devices.slice(0, last + 1), toon, ...devices.slice(last + 1)];
}

/** The deviceId of the camera labelled `label` on this site; null when none is (or labels are hidden). */
export function cameraIdByLabel(devices: readonly DeviceEntry[], label: string): string | null {
  if (label === '') return null;
  return devices.find((d) => d.kind === 'videoinput' && d.label === label)?.deviceId ?? null;
}
