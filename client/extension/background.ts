// Service worker: fetches from the toonstream server for the bridge and the options page.
import { isWorkerRequest, type WorkerRequest } from './messages';
import { health, listModels, postOffer } from './server-api';
import { normalizeServerUrl, readSettings } from './settings';

async function handle(request: WorkerRequest, fromExtensionPage: boolean): Promise<unknown> {
  const settings = readSettings(await chrome.storage.sync.get(null));
  // A content script (and so any page) may only reach the server the options chose.
  const asked = fromExtensionPage && request.kind !== 'offer' && request.serverUrl !== undefined ? normalizeServerUrl(request.serverUrl) : null;
  const serverUrl = asked ?? settings.serverUrl;
  switch (request.kind) {
    case 'offer':
      return postOffer(settings, request.sdp);
    case 'models':
      return listModels(serverUrl);
    case 'health':
      return health(serverUrl);
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !isWorkerRequest(message)) return undefined;
  // Content scripts report the page's URL; only the extension's own pages have its origin.
  const fromExtensionPage = (sender.url ?? '').startsWith(chrome.runtime.getURL(''));
  handle(message, fromExtensionPage).then(sendResponse, (error: unknown) => sendResponse({ ok: false, error: String(error) }));
  return true;
});
