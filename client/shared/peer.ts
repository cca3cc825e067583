// Helpers every browser-side peer of the server shares (live page, /output WHEP player, extension).

const GATHER_TIMEOUT_MS = 3000;
/** ICE may recover from "disconnected" on its own; give it this long before giving up. */
const DISCONNECT_GRACE_MS = 4000;

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
