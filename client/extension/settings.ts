/** What the options page saves in chrome.storage.sync; every world reads it through readSettings. */
export interface ExtensionSettings {
  /** Base URL of the toonstream server, without a trailing slash. */
  readonly serverUrl: string;
  /** Model name; "" lets the server use its default. */
  readonly model: string;
  /** 0..1: cartoon over original. */
  readonly strength: number;
  /** Off: the camera list and every camera request are left alone. */
  readonly enabled: boolean;
  /** On: every camera request is cartoonized, not only requests for "toonstream camera". */
  readonly useForAll: boolean;
  /**
   * The real camera's label, "" for the default camera. Not its deviceId: Chrome gives each
   * origin its own deviceIds, so the options page's ids mean nothing on a meeting site.
   */
  readonly cameraLabel: string;
}

export const DEFAULT_SERVER_URL = 'http://localhost:8080';

export const DEFAULT_SETTINGS: ExtensionSettings = {
  serverUrl: DEFAULT_SERVER_URL,
  model: '',
  strength: 1,
  enabled: true,
  useForAll: false,
  cameraLabel: '',
};

/** The stored values, each replaced by its default when missing or malformed. */
export function readSettings(raw: Readonly<Record<string, unknown>>): ExtensionSettings {
  const d = DEFAULT_SETTINGS;
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
  const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
  const strength = typeof raw.strength === 'number' && raw.strength >= 0 && raw.strength <= 1 ? raw.strength : d.strength;
  return {
    serverUrl: (typeof raw.serverUrl === 'string' && normalizeServerUrl(raw.serverUrl)) || d.serverUrl,
    model: str(raw.model, d.model),
    strength,
    enabled: bool(raw.enabled, d.enabled),
    useForAll: bool(raw.useForAll, d.useForAll),
    cameraLabel: str(raw.cameraLabel, d.cameraLabel),
  };
}

/** "localhost:8080/" → "http://localhost:8080"; null when the text is not an http(s) URL. */
export function normalizeServerUrl(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The host-permission pattern that covers the server (any port, as the manifest's defaults do). */
export function permissionPattern(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
