const SECONDS = 30;

/** The overlay's 30-second chart: fps (accent) and latency (dark) as two lines, own scales. */
export class LiveChart {
  private readonly fps: number[] = [];
  private readonly latency: Array<number | null> = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  add(fps: number, latencyMs: number | null): void {
    this.fps.push(fps);
    this.latency.push(latencyMs);
    if (this.fps.length > SECONDS) {
      this.fps.shift();
      this.latency.shift();
    }
    this.draw();
  }

  private draw(): void {
    const { width, height } = this.canvas;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const step = width / (SECONDS - 1);
    const line = (values: Array<number | null>, max: number, colour: string): void => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let pen = false;
      values.forEach((v, i) => {
        const x = (SECONDS - values.length + i) * step;
        if (v === null) {
          pen = false;
          return;
        }
        const y = height - 2 - (Math.min(v, max) / max) * (height - 4);
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      });
      ctx.stroke();
    };
    const maxLatency = Math.max(200, ...this.latency.map((v) => v ?? 0));
    line(this.fps, 35, '#ff6b3d');
    line(this.latency, maxLatency * 1.1, '#ffffff');
  }
}
