// Isolated-world content script: hands the options to the page's world and carries its offers to
// the service worker, so signalling never depends on the meeting site's CORS rules.
import { isPageToBridge, type BridgeToPage, type OfferResult } from './messages';
import { readSettings } from './settings';

function toPage(message: BridgeToPage): void {
  window.postMessage(message, '*');
}

async function sendSettings(): Promise<void> {
  try {
    toPage({ source: 'toonstream-bridge', kind: 'settings', settings: readSettings(await chrome.storage.sync.get(null)) });
  } catch {
    // The extension was reloaded or removed: this page keeps its cameras as they are.
  }
}

async function offer(sdp: string): Promise<OfferResult> {
  try {
    return await chrome.runtime.sendMessage<OfferResult>({ kind: 'offer', sdp });
  } catch (error) {
    return { ok: false, error: `the extension did not answer (${(error as Error).message})` };
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== window || !isPageToBridge(event.data)) return;
  const msg = event.data;
  if (msg.kind === 'hello') void sendSettings();
  else void offer(msg.sdp).then((result) => toPage({ source: 'toonstream-bridge', kind: 'answer', id: msg.id, result }));
});

chrome.storage.onChanged.addListener((_changes, area) => {
  if (area === 'sync') void sendSettings();
});

// The page's script may have said hello before this one was listening.
void sendSettings();
