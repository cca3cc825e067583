import { loadLiveConfig, parseIceServers } from '../../src/transport/config';
import { checkSettings, parseControl } from '../../src/transport/settings';
import {
  CLIENT_HEADER_BYTES,
  decodeClientFrame,
  decodeServerFrame,
  encodeClientFrame,
  encodeServerFrame,
  ImageFormat,
  MessageType,
  SERVER_HEADER_BYTES,
} from '../../src/transport/ws/protocol';

describe('/ws/live binary protocol', () => {
  it('round-trips a client frame', () => {
    const image = new Uint8Array([0xff, 0xd8, 1, 2, 3]);
    const bytes = encodeClientFrame({ format: ImageFormat.jpeg, frameId: 4_000_000_001, clientTimestampMs: 12345.678, image });
    expect(bytes.length).toBe(CLIENT_HEADER_BYTES + image.length);
    const f = decodeClientFrame(bytes);
    expect(f).toEqual({ format: ImageFormat.jpeg, frameId: 4_000_000_001, clientTimestampMs: 12345.678, image });
  });

  it('round-trips a server result and a dropped notice', () => {
    const image = new Uint8Array([9, 8, 7]);
    const r = decodeServerFrame(encodeServerFrame({ type: MessageType.result, format: ImageFormat.webp, passthrough: true, frameId: 7, clientTimestampMs: 1.5, processMs: 42.25, codecMs: 3.5, image }));
    expect(r).toEqual({ type: MessageType.result, format: ImageFormat.webp, passthrough: true, frameId: 7, clientTimestampMs: 1.5, processMs: 42.25, codecMs: 3.5, image });
    const d = encodeServerFrame({ type: MessageType.dropped, format: ImageFormat.jpeg, passthrough: false, frameId: 8, clientTimestampMs: 2, processMs: 0, codecMs: 0, image: new Uint8Array(0) });
    expect(d.length).toBe(SERVER_HEADER_BYTES);
    expect(decodeServerFrame(d).type).toBe(MessageType.dropped);
  });

  it('rejects short, unknown and wrong-version messages with readable errors', () => {
    expect(() => decodeClientFrame(new Uint8Array(3))).toThrow(/shorter than its 16-byte header/);
    const ok = encodeClientFrame({ format: ImageFormat.jpeg, frameId: 1, clientTimestampMs: 0, image: new Uint8Array(1) });
    const badType = ok.slice();
    badType[0] = 9;
    expect(() => decodeClientFrame(badType)).toThrow(/unknown message type 9/);
    const badFormat = ok.slice();
    badFormat[1] = 5;
    expect(() => decodeClientFrame(badFormat)).toThrow(/unknown image format 5/);
    const badVersion = ok.slice();
    badVersion[3] = 2;
    expect(() => decodeClientFrame(badVersion)).toThrow(/protocol version 2 is not supported/);
  });
});

describe('live settings', () => {
  const has = (name: string): boolean => name === 'toon-fast' || name === 'toon-fast-scenery';

  it('accepts model, strength and passthrough changes', () => {
    expect(parseControl('{"type":"settings","model":"toon-fast-scenery","strength":0.25,"passthrough":true}', has)).toEqual({ model: 'toon-fast-scenery', strength: 0.25, passthrough: true });
    expect(checkSettings({ strength: '0.5' }, has)).toEqual({ strength: 0.5 });
    expect(checkSettings({}, has)).toEqual({});
  });

  it('says what is wrong', () => {
    expect(() => parseControl('nope', has)).toThrow('control messages must be JSON');
    expect(() => parseControl('{"type":"zoom"}', has)).toThrow('unknown control message type "zoom"');
    expect(() => checkSettings({ model: 'toon-slow' }, has)).toThrow('unknown model "toon-slow"');
    expect(() => checkSettings({ strength: 2 }, has)).toThrow('strength must be a number from 0 to 1');
    expect(() => checkSettings({ passthrough: 'yes' }, has)).toThrow('passthrough must be true or false');
  });
});

describe('live config', () => {
  it('reads ICE servers as JSON or a URL list', () => {
    expect(parseIceServers('')).toEqual([]);
    expect(parseIceServers('stun:stun.example.org:3478, stun:other.example.org')).toEqual([{ urls: 'stun:stun.example.org:3478' }, { urls: 'stun:other.example.org' }]);
    expect(parseIceServers('[{"urls":["turn:t.example.org"],"username":"u","credential":"p"}]')).toEqual([{ urls: ['turn:t.example.org'], username: 'u', credential: 'p' }]);
    expect(() => parseIceServers('[{"urls":"http://x"}]')).toThrow(/entry 1 needs "urls" starting with stun:/);
    expect(() => parseIceServers('[oops')).toThrow(/not valid JSON/);
  });

  it('has defaults and checks ranges', () => {
    const c = loadLiveConfig({});
    expect(c).toMatchObject({ iceServers: [], maxSessions: 8, idleTimeoutS: 10, wsMaxInFlight: 2, pipelineDepth: 1, workingShortSide: 0 });
    expect(loadLiveConfig({ TOONSTREAM_LIVE_MAX_SESSIONS: '2', TOONSTREAM_LIVE_IDLE_TIMEOUT: '3' })).toMatchObject({ maxSessions: 2, idleTimeoutS: 3 });
    expect(() => loadLiveConfig({ TOONSTREAM_WS_MAX_IN_FLIGHT: '0' })).toThrow('TOONSTREAM_WS_MAX_IN_FLIGHT must be an integer 1-16, got "0"');
  });
});
