// Tags video frames with a number drawn as big blocks in the picture, so a frame can be
// recognised after encoding, cartoonizing and decoding: 12 bits and a 4-bit checksum along
// the top edge, each bit a bright block over a dark one (1) or dark over bright (0). Comparing
// the two blocks of a pair survives colour shifts, blur and outlines; the checksum rejects
// misreads (e.g. a frame caught mid-change by the encoder).
import type { I420Frame } from '../../src/transport/webrtc/wrtc';

const BITS = 12;
const CHECK_BITS = 4;
const SLOTS = BITS + CHECK_BITS;
/** Tag height in pixels (two block rows). */
export const TAG_ROWS = 2;

const DARK = 16;
const BRIGHT = 235;

function blockSize(width: number): number {
  return Math.floor(width / SLOTS);
}

function checksum(n: number): number {
  let sum = 0;
  for (let i = 0; i < BITS; i++) sum += (n >> i) & 1;
  return (sum * 5 + 3) & ((1 << CHECK_BITS) - 1);
}

function code(n: number): number[] {
  const value = n & ((1 << BITS) - 1);
  const check = checksum(value);
  return [...Array(BITS).keys()].map((i) => (value >> i) & 1).concat([...Array(CHECK_BITS).keys()].map((i) => (check >> i) & 1));
}

/** A copy of `base` with frame number `n` (mod 4096) drawn over its top 2 x width/16 pixels. */
export function tagFrame(base: I420Frame, n: number): I420Frame {
  const { width, height } = base;
  const data = new Uint8Array(base.data);
  const size = blockSize(width);
  const bits = code(n);
  for (let row = 0; row < TAG_ROWS * size; row++) {
    const top = row < size;
    for (let slot = 0; slot < SLOTS; slot++) {
      const on = bits[slot] === 1 ? top : !top;
      const start = row * width + slot * size;
      data.fill(on ? BRIGHT : DARK, start, start + size);
    }
  }
  // Neutral chroma under the tag, so the blocks are grey levels only.
  const cw = Math.ceil(width / 2);
  const chromaRows = Math.ceil((TAG_ROWS * size) / 2);
  const u = width * height;
  const v = u + cw * Math.ceil(height / 2);
  for (let row = 0; row < chromaRows; row++) {
    data.fill(128, u + row * cw, u + row * cw + Math.ceil((SLOTS * size) / 2));
    data.fill(128, v + row * cw, v + row * cw + Math.ceil((SLOTS * size) / 2));
  }
  return { width, height, data };
}

/** Mean luma of the centre quarter of a block. */
function blockMean(frame: I420Frame, size: number, slot: number, blockRow: number): number {
  const q = Math.max(1, Math.floor(size / 4));
  const x0 = slot * size + q;
  const y0 = blockRow * size + q;
  let sum = 0;
  for (let y = y0; y < y0 + 2 * q; y++) {
    const row = frame.data.subarray(y * frame.width + x0, y * frame.width + x0 + 2 * q);
    for (let i = 0; i < row.length; i++) sum += row[i];
  }
  return sum / (4 * q * q);
}

/**
 * The frame number read back (mod 4096), or null when the tag is unreadable. `inverted`: the
 * frame went through a colour-inverting model. Frames may arrive scaled; the tag scales with them.
 */
export function readTag(frame: I420Frame, inverted = false): number | null {
  const size = blockSize(frame.width);
  if (size < 4) return null;
  const bits: number[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const contrast = blockMean(frame, size, slot, 0) - blockMean(frame, size, slot, 1);
    if (Math.abs(contrast) < 40) return null;
    bits.push((contrast > 0) !== inverted ? 1 : 0);
  }
  let value = 0;
  for (let i = 0; i < BITS; i++) value |= bits[i] << i;
  let check = 0;
  for (let i = 0; i < CHECK_BITS; i++) check |= bits[BITS + i] << i;
  return check === checksum(value) ? value : null;
}
