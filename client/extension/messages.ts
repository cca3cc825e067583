// Messages between the page's world, the bridge content script, the options page and the service worker.
import type { ExtensionSettings } from './settings';

/** What the worker returns for an offer: the server's answer, or why there is none. */
export type OfferResult = { readonly ok: true; readonly sdp: string; readonly session: string } | { readonly ok: false; readonly error: string };

export interface ModelChoice {
  readonly name: string;
  readonly style: string;
}
export type ModelsResult = { readonly ok: true; readonly models: ModelChoice[]; readonly defaultModel: string | null } | { readonly ok: false; readonly error: string };
export type HealthResult = { readonly ok: true; readonly device: string; readonly models: number } | { readonly ok: false; readonly error: string };

/** window.postMessage from the MAIN world to the bridge. */
export type PageToBridge =
  | { readonly source: 'toonstream-page'; readonly kind: 'hello' }
  | { readonly source: 'toonstream-page'; readonly kind: 'offer'; readonly id: number; readonly sdp: string };

/** window.postMessage from the bridge to the MAIN world. */
export type BridgeToPage =
  | { readonly source: 'toonstream-bridge'; readonly kind: 'settings'; readonly settings: ExtensionSettings }
  | { readonly source: 'toonstream-bridge'; readonly kind: 'answer'; readonly id: number; readonly result: OfferResult };

/** chrome.runtime.sendMessage to the service worker. serverUrl is honoured from extension pages only. */
export type WorkerRequest =
  | { readonly kind: 'offer'; readonly sdp: string }
  | { readonly kind: 'models'; readonly serverUrl?: string }
  | { readonly kind: 'health'; readonly serverUrl?: string };

function tagged(data: unknown, source: string): data is { source: string; kind: string } {
  return typeof data === 'object' && data !== null && (data as { source?: unknown }).source === source && typeof (data as { kind?: unknown }).kind === 'string';
}

export function isPageToBridge(data: unknown): data is PageToBridge {
  if (!tagged(data, 'toonstream-page')) return false;
  const d = data as { kind: string; id?: unknown; sdp?: unknown };
  return d.kind === 'hello' || (d.kind === 'offer' && typeof d.id === 'number' && typeof d.sdp === 'string');
}

export function isBridgeToPage(data: unknown): data is BridgeToPage {
  if (!tagged(data, 'toonstream-bridge')) return false;
  const d = data as { kind: string; id?: unknown; settings?: unknown; result?: unknown };
  return (d.kind === 'settings' && typeof d.settings === 'object' && d.settings !== null) || (d.kind === 'answer' && typeof d.id === 'number' && typeof d.result === 'object' && d.result !== null);
}

export function isWorkerRequest(data: unknown): data is WorkerRequest {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { kind?: unknown; sdp?: unknown; serverUrl?: unknown };
  if (d.serverUrl !== undefined && typeof d.serverUrl !== 'string') return false;
  return (d.kind === 'offer' && typeof d.sdp === 'string') || d.kind === 'models' || d.kind === 'health';
}
