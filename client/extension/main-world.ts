// Content script in the page's own (MAIN) world at document_start: adds "toonstream camera" to
// enumerateDevices and answers getUserMedia requests for it with the server's cartoon track.
import { routeVideo, TOON_DEVICE_ID, TOON_GROUP_ID, TOON_LABEL } from './constraints';
import { cameraIdByLabel, withToonCamera } from './devices';
import { connectBridge } from './page-link';
import { openCartoon, type CartoonLink } from './peer';
import type { ExtensionSettings } from './settings';
import { dressAsCamera, shareStop } from './track';

function toonDevice(): MediaDeviceInfo {
  const fields = { deviceId: TOON_DEVICE_ID, kind: 'videoinput' as const, label: TOON_LABEL, groupId: TOON_GROUP_ID };
  // An InputDeviceInfo to `instanceof` checks; own properties, since the prototype's getters only work on real ones.
  const proto = typeof InputDeviceInfo === 'function' ? InputDeviceInfo.prototype : MediaDeviceInfo.prototype;
  const info = Object.create(proto) as MediaDeviceInfo;
  for (const [name, value] of Object.entries(fields)) Object.defineProperty(info, name, { value, enumerable: true });
  Object.defineProperty(info, 'toJSON', { value: () => ({ ...fields }) });
  Object.defineProperty(info, 'getCapabilities', { value: () => ({ deviceId: TOON_DEVICE_ID, groupId: TOON_GROUP_ID }) });
  return info;
}

function install(): void {
  const proto = MediaDevices.prototype;
  const nativeEnumerate = proto.enumerateDevices;
  const nativeGetUserMedia = proto.getUserMedia;
  const Stream = MediaStream;
  const bridge = connectBridge(window);
  const links = new Set<CartoonLink>();

  /** The real stream's video replaced by the cartoon; the real stream itself when the server fails. */
  async function cartoonize(stream: MediaStream, settings: ExtensionSettings): Promise<MediaStream> {
    const [camera] = stream.getVideoTracks();
    if (!camera) return stream;
    let link: CartoonLink;
    try {
      link = await openCartoon(camera, (sdp) => bridge.offer(sdp));
    } catch (error) {
      console.warn(`toonstream: no cartoon from ${settings.serverUrl} (${(error as Error).message}); passing the real camera through`);
      return stream;
    }
    links.add(link);
    const release = (): void => {
      links.delete(link);
      link.close();
      camera.stop();
    };
    const family = new Set<MediaStreamTrack>();
    const dress = (t: MediaStreamTrack): MediaStreamTrack => {
      family.add(t);
      return dressAsCamera(t, camera);
    };
    const track = shareStop(dress(link.track), release, dress);
    link.onLost((reason) => {
      console.warn(`toonstream: the cartoon camera stopped (${reason}); choose a camera again to continue`);
      // Closing the peer leaves its tracks "live" and frozen: end them and tell the page, as a
      // real camera does when it is unplugged.
      for (const t of family) {
        if (t.readyState !== 'live') continue;
        t.stop();
        t.dispatchEvent(new Event('ended'));
      }
    });
    return new Stream([track, ...stream.getAudioTracks()]);
  }

  proto.enumerateDevices = async function enumerateDevices(this: MediaDevices): Promise<MediaDeviceInfo[]> {
    const list = await nativeEnumerate.call(this);
    const settings = await bridge.settings();
    return settings?.enabled ? withToonCamera(list, toonDevice()) : list;
  };

  proto.getUserMedia = async function getUserMedia(this: MediaDevices, constraints?: MediaStreamConstraints): Promise<MediaStream> {
    const settings = await bridge.settings();
    if (!settings?.enabled || !constraints?.video) return nativeGetUserMedia.call(this, constraints);
    const realCameraId = settings.cameraLabel ? cameraIdByLabel(await nativeEnumerate.call(this), settings.cameraLabel) : null;
    const route = routeVideo(constraints.video, { useForAll: settings.useForAll, realCameraId });
    if (route.kind === 'native') return nativeGetUserMedia.call(this, constraints);
    const stream = await nativeGetUserMedia.call(this, { ...constraints, video: route.camera });
    return cartoonize(stream, settings);
  };

  bridge.onChange((next, previous) => {
    if (next.model !== previous.model || next.strength !== previous.strength) {
      for (const link of links) link.update({ strength: next.strength, ...(next.model ? { model: next.model } : {}) });
    }
    if (next.enabled !== previous.enabled) navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
  });
}

// Insecure pages have no camera API at all.
if (typeof MediaDevices === 'function' && navigator.mediaDevices) install();
