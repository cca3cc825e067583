/** What a live client can change during a session; applied to the next frame. */
export interface LiveSettings {
  readonly model: string;
  /** 0..1: cartoon over original. */
  readonly strength: number;
  /** true: frames go back unprocessed (no inference). */
  readonly passthrough: boolean;
}

/** A control message sent by the client (data channel or WebSocket text frame). */
export interface SettingsMessage {
  readonly type: 'settings';
  readonly model?: string;
  readonly strength?: number;
  readonly passthrough?: boolean;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Checks a settings change against the loaded models; throws SettingsError with a readable message. */
export function checkSettings(raw: unknown, hasModel: (name: string) => boolean): Partial<LiveSettings> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SettingsError('settings must be a JSON object');
  const r = raw as Record<string, unknown>;
  const out: { model?: string; strength?: number; passthrough?: boolean } = {};
  if (r.model !== undefined) {
    if (typeof r.model !== 'string' || !hasModel(r.model)) throw new SettingsError(`unknown model ${JSON.stringify(r.model)}`);
    out.model = r.model;
  }
  if (r.strength !== undefined) {
    const s = typeof r.strength === 'string' && r.strength.trim() !== '' ? Number(r.strength) : r.strength;
    if (typeof s !== 'number' || !(s >= 0 && s <= 1)) throw new SettingsError('strength must be a number from 0 to 1');
    out.strength = s;
  }
  if (r.passthrough !== undefined) {
    if (typeof r.passthrough !== 'boolean') throw new SettingsError('passthrough must be true or false');
    out.passthrough = r.passthrough;
  }
  return out;
}

/** Parses one control message (JSON text); only {"type":"settings", ...} exists so far. */
export function parseControl(text: string, hasModel: (name: string) => boolean): Partial<LiveSettings> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new SettingsError('control messages must be JSON');
  }
  const type = (msg as { type?: unknown } | null)?.type;
  if (type !== 'settings') throw new SettingsError(`unknown control message type ${JSON.stringify(type)}`);
  const { type: _type, ...rest } = msg as SettingsMessage;
  return checkSettings(rest, hasModel);
}
