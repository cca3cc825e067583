import { LiveChart } from './chart';
import type { Connection } from './types';

export interface OverlayElements {
  readonly fps: HTMLElement;
  readonly latency: HTMLElement;
  readonly chart: HTMLCanvasElement;
}

/** Once a second: fps and glass-to-glass latency into the overlay text and the 30 s chart. */
export function startOverlay(elements: OverlayElements, connection: () => Connection | null): void {
  const chart = new LiveChart(elements.chart);
  window.setInterval(async () => {
    const c = connection();
    if (!c) {
      elements.fps.textContent = '– fps';
      elements.latency.textContent = '– ms';
      chart.add(0, null);
      return;
    }
    const m = await c.measure().catch(() => null);
    if (!m) return;
    elements.fps.textContent = `${m.fps.toFixed(1)} fps`;
    elements.latency.textContent = m.latencyMs === null ? '– ms' : `${m.estimated ? '≈' : ''}${Math.round(m.latencyMs)} ms`;
    elements.latency.title = m.estimated
      ? 'estimated: encode + network round trip + server + jitter buffer + decode (WebRTC stats)'
      : 'measured: frame grabbed → cartoon painted';
    chart.add(m.fps, m.latencyMs);
  }, 1000);
}
