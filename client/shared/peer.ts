// Helpers every browser-side peer of the server shares (live page, /output WHEP player, extension).

const GATHER_TIMEOUT_MS = 3000;
/** ICE may recover from "disconnected" on its own; give it this long before giving up. */
const DISCONNECT_GRACE_MS = 4000;

/** How the live page and the extension word what happened to their connection. */
export const RTC_MESSAGES = {
  timeout: 'WebRTC did not connect in time',
  ended: (state: string): string => `WebRTC connection ${state}`,
  dropped: 'WebRTC connection lost',
} as const;

/** Resolves once all ICE candidates are gathered (or after 3 s), so one offer carries them all. */
export function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * Calls `lost` when the connection fails or closes, or stays "disconnected" past a grace period;
 * `messages` words the reason the way the caller shows it.
 */
export function watchConnection(
  pc: RTCPeerConnection,
  lost: (reason: string) => void,
  messages: { readonly ended: (state: string) => string; readonly dropped: string },
): void {
  let grace: ReturnType<typeof setTimeout> | undefined;
  pc.addEventListener('connectionstatechange', () => {
    const state = pc.connectionState;
    if (state === 'failed' || state === 'closed') lost(messages.ended(state));
    else if (state === 'disconnected') grace = setTimeout(() => lost(messages.dropped), DISCONNECT_GRACE_MS);
    else if (state === 'connected') clearTimeout(grace);
  });
}

/**
 * Resolves when the connection is up; rejects with `fail(message)` when it fails or closes
 * (`messages.ended(state)`) or is not up within `timeoutMs` (`messages.timeout`; null: no limit).
 */
export function connected(
  pc: RTCPeerConnection,
  timeoutMs: number | null,
  messages: { readonly timeout: string; readonly ended: (state: string) => string },
  fail: (message: string) => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs === null ? undefined : setTimeout(() => reject(fail(messages.timeout)), timeoutMs);
    const check = (): void => {
      if (pc.connectionState === 'connected') {
        clearTimeout(timer);
        resolve();
      } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        clearTimeout(timer);
        reject(fail(messages.ended(pc.connectionState)));
      }
    };
    pc.addEventListener('connectionstatechange', check);
    check();
  });
}
