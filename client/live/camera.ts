import { LiveError } from './types';

export const RESOLUTIONS = {
  '360p': { width: 640, height: 360 },
  '480p': { width: 854, height: 480 },
  '720p': { width: 1280, height: 720 },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

export async function listCameras(): Promise<MediaDeviceInfo[]> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((d) => d.kind === 'videoinput');
}

/** Opens the camera (and microphone when there is one) at the chosen resolution. */
export async function openCamera(deviceId: string | undefined, resolution: Resolution): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new LiveError('no-camera', 'This browser cannot open a camera here. Use a recent browser over https:// or http://localhost.');
  }
  const { width, height } = RESOLUTIONS[resolution];
  const video: MediaTrackConstraints = { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: 30 } };
  if (deviceId) video.deviceId = { exact: deviceId };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: true });
  } catch (first) {
    // No microphone (or it is refused) should not cost the picture.
    if (!(first instanceof DOMException) || first.name === 'NotAllowedError') throw cameraError(first);
    try {
      return await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (error) {
      throw cameraError(error);
    }
  }
}

function cameraError(error: unknown): LiveError {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new LiveError('camera-denied', 'Camera access was denied. Allow the camera for this site (the camera icon in the address bar) and reload the page.');
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new LiveError('no-camera', 'No camera was found. Plug one in, or pick another camera above.');
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new LiveError('camera-busy', 'The camera is in use by another application. Close it there and try again.');
  }
  return new LiveError('failed', `Could not open the camera: ${error instanceof Error ? error.message : String(error)}`);
}
