// Which camera requests go to toonstream, and what to ask the real camera for instead.

/** The deviceId and groupId "toonstream camera" has on every site. */
export const TOON_DEVICE_ID = 'toonstream-camera';
export const TOON_GROUP_ID = 'toonstream';
export const TOON_LABEL = 'toonstream camera';

export type VideoRequest = boolean | MediaTrackConstraints | undefined;

export interface RouteOptions {
  readonly useForAll: boolean;
  /** The real camera chosen in the options, found on this site; null: the default camera. */
  readonly realCameraId: string | null;
}

export type Route =
  | { readonly kind: 'native' }
  /** Open the real camera with `camera`, then cartoonize it. */
  | { readonly kind: 'toon'; readonly camera: true | MediaTrackConstraints };

/** Every device id a ConstrainDOMString names: plain, array, exact or ideal. */
export function namedIds(c: ConstrainDOMString | undefined): string[] {
  if (c === undefined) return [];
  if (typeof c === 'string') return [c];
  if (Array.isArray(c)) return [...c];
  const out: string[] = [];
  const params = c as ConstrainDOMStringParameters;
  for (const v of [params.exact, params.ideal]) {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) out.push(...v);
  }
  return out;
}

/** The device ids a video request names, in its basic and advanced sets. */
export function requestedIds(video: VideoRequest): string[] {
  if (typeof video !== 'object' || video === null) return [];
  return [video, ...(video.advanced ?? [])].flatMap((set) => namedIds(set.deviceId));
}

export function asksForToon(video: VideoRequest): boolean {
  return requestedIds(video).includes(TOON_DEVICE_ID);
}

/**
 * Native when there is no video request, or it names only real cameras and "use for every camera"
 * is off. Otherwise toon, with the request's other constraints kept for the real camera.
 */
export function routeVideo(video: VideoRequest, options: RouteOptions): Route {
  if (video === undefined || video === false) return { kind: 'native' };
  const toon = asksForToon(video);
  if (!toon && !options.useForAll) return { kind: 'native' };
  // "use for every camera" with a real camera named: cartoonize the camera the page chose.
  if (!toon && requestedIds(video).length > 0) return { kind: 'toon', camera: video as MediaTrackConstraints };
  return { kind: 'toon', camera: realCameraConstraints(video, options.realCameraId) };
}

/** The request without any device or group choice, plus the chosen real camera (preferred, not required). */
export function realCameraConstraints(video: true | MediaTrackConstraints, realCameraId: string | null): true | MediaTrackConstraints {
  const strip = <T extends MediaTrackConstraintSet>(set: T): T => {
    const { deviceId: _d, groupId: _g, ...rest } = set;
    return rest as T;
  };
  const base: MediaTrackConstraints = video === true ? {} : strip(video);
  if (video !== true && video.advanced) {
    const advanced = video.advanced.map(strip).filter((set) => Object.keys(set).length > 0);
    if (advanced.length > 0) base.advanced = advanced;
    else delete base.advanced;
  }
  if (realCameraId) base.deviceId = { ideal: realCameraId };
  return Object.keys(base).length === 0 ? true : base;
}

/** A constraint change for the cartoon track, made fit for the real camera behind it. */
export function forRealCamera(c: MediaTrackConstraints | undefined): MediaTrackConstraints | undefined {
  if (c === undefined) return undefined;
  const out = realCameraConstraints(c, null);
  return out === true ? {} : out;
}
