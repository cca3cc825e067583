import { isBridgeToPage, isPageToBridge, isWorkerRequest } from '../../client/extension/messages';
import { DEFAULT_SETTINGS, normalizeServerUrl, permissionPattern, readSettings } from '../../client/extension/settings';

describe('extension settings', () => {
  it('fills in defaults for missing or malformed values', () => {
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({ serverUrl: 'http://localhost:8080', enabled: true, useForAll: false, strength: 1, model: '' });
    expect(readSettings({ serverUrl: 'ftp://x', strength: 3, enabled: 'yes', model: 5 })).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ serverUrl: 'gpu.lan:8080/', strength: 0.5, enabled: false, useForAll: true, model: 'toon-fast', cameraLabel: 'USB' })).toEqual({
      serverUrl: 'http://gpu.lan:8080', strength: 0.5, enabled: false, useForAll: true, model: 'toon-fast', cameraLabel: 'USB',
    });
  });

  it('normalises server URLs', () => {
    expect(normalizeServerUrl(' http://localhost:8080/ ')).toBe('http://localhost:8080');
    expect(normalizeServerUrl('https://toon.example.com/base/')).toBe('https://toon.example.com/base');
    expect(normalizeServerUrl('127.0.0.1:9000')).toBe('http://127.0.0.1:9000');
    for (const bad of ['', 'javascript:alert(1)', 'file:///etc', 'http://u:p@host', 'http://host/?q=1', 'http://']) expect(normalizeServerUrl(bad)).toBeNull();
  });

  it('asks for the server host on any port', () => {
    expect(permissionPattern('http://localhost:8080')).toBe('http://localhost/*');
    expect(permissionPattern('https://toon.example.com/base')).toBe('https://toon.example.com/*');
  });
});

describe('extension messages', () => {
  it('accepts only well-formed messages', () => {
    expect(isPageToBridge({ source: 'toonstream-page', kind: 'hello' })).toBe(true);
    expect(isPageToBridge({ source: 'toonstream-page', kind: 'offer', id: 1, sdp: 'v=0' })).toBe(true);
    expect(isPageToBridge({ source: 'toonstream-page', kind: 'offer', id: '1', sdp: 'v=0' })).toBe(false);
    expect(isPageToBridge({ source: 'toonstream-bridge', kind: 'hello' })).toBe(false);
    expect(isPageToBridge('hello')).toBe(false);
    expect(isBridgeToPage({ source: 'toonstream-bridge', kind: 'settings', settings: DEFAULT_SETTINGS })).toBe(true);
    expect(isBridgeToPage({ source: 'toonstream-bridge', kind: 'answer', id: 2, result: { ok: false, error: 'x' } })).toBe(true);
    expect(isBridgeToPage({ source: 'toonstream-page', kind: 'settings', settings: DEFAULT_SETTINGS })).toBe(false);
    expect(isWorkerRequest({ kind: 'offer', sdp: 'v=0' })).toBe(true);
    expect(isWorkerRequest({ kind: 'models', serverUrl: 'http://x' })).toBe(true);
    expect(isWorkerRequest({ kind: 'health', serverUrl: 5 })).toBe(false);
    expect(isWorkerRequest({ kind: 'fetch', url: 'http://x' })).toBe(false);
  });
});
