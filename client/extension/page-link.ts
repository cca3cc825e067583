// The page's world's side of the window.postMessage link to the bridge content script.
import { isBridgeToPage, type OfferResult, type PageToBridge } from './messages';
import type { ExtensionSettings } from './settings';

/** How long a camera request waits for the bridge's first settings before leaving the camera alone. */
const SETTINGS_WAIT_MS = 1500;
const OFFER_TIMEOUT_MS = 15_000;

export interface BridgeLink {
  /** The options; null when the bridge never answered (the camera is then left alone). */
  settings(): Promise<ExtensionSettings | null>;
  /** Called on every settings change after the first. */
  onChange(listener: (next: ExtensionSettings, previous: ExtensionSettings) => void): void;
  offer(sdp: string): Promise<OfferResult>;
}

export function connectBridge(win: Window): BridgeLink {
  // Taken now, at document_start, before the page can replace them.
  const post = win.postMessage.bind(win);
  const send = (message: PageToBridge): void => post(message, '*');
  let current: ExtensionSettings | null = null;
  let arrived: (s: ExtensionSettings) => void = () => undefined;
  const first = new Promise<ExtensionSettings>((resolve) => (arrived = resolve));
  const listeners: ((next: ExtensionSettings, previous: ExtensionSettings) => void)[] = [];
  const pending = new Map<number, (result: OfferResult) => void>();
  let nextId = 1;
  // Set when the bridge missed its first chance: later requests then need not wait again.
  let silent = false;

  win.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (event.source !== win || !isBridgeToPage(event.data)) return;
    const msg = event.data;
    if (msg.kind === 'answer') {
      pending.get(msg.id)?.(msg.result);
      pending.delete(msg.id);
      return;
    }
    const previous = current;
    current = msg.settings;
    if (previous === null) arrived(msg.settings);
    else for (const listener of listeners) listener(msg.settings, previous);
  });
  send({ source: 'toonstream-page', kind: 'hello' });

  return {
    settings() {
      if (current || silent) return Promise.resolve(current);
      const late = new Promise<null>((resolve) =>
        setTimeout(() => {
          silent = true;
          resolve(null);
        }, SETTINGS_WAIT_MS),
      );
      return Promise.race([first, late]);
    },
    onChange: (listener) => void listeners.push(listener),
    offer(sdp) {
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: 'the extension did not answer in time' });
        }, OFFER_TIMEOUT_MS);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        send({ source: 'toonstream-page', kind: 'offer', id, sdp });
      });
    },
  };
}
