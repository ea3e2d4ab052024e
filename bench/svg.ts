// Plain-SVG drawing pieces shared by the benchmark charts (no charting dependency).

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
export const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function axes(b: Box, xMax: number, yMax: number, xLabel: string, yLabel: string, xTicks = true): string {
  const out: string[] = [`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= 4; i++) {
    const x = b.x + (b.w * i) / 4;
    const y = b.y + b.h - (b.h * i) / 4;
    if (xTicks) out.push(`<text x="${x}" y="${b.y + b.h + 14}" font-size="10" text-anchor="middle">${fmt((xMax * i) / 4)}</text>`);
    out.push(`<text x="${b.x - 4}" y="${y + 3}" font-size="10" text-anchor="end">${fmt((yMax * i) / 4)}</text>`);
    if (i > 0) out.push(`<line x1="${b.x}" x2="${b.x + b.w}" y1="${y}" y2="${y}" stroke="#eee"/>`);
  }
  out.push(`<text x="${b.x + b.w / 2}" y="${b.y + b.h + 30}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="${b.x - 42}" y="${b.y + b.h / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 ${b.x - 42} ${b.y + b.h / 2})">${esc(yLabel)}</text>`);
  return out.join("\n");
}

/** A cumulative count curve: after times[i], i+1 events happened. Downsampled to ~400 points. */
export function cumulative(b: Box, times: number[], xMax: number, yMax: number, color: string): string {
  if (times.length === 0) return "";
  const step = Math.max(1, Math.floor(times.length / 400));
  const pts: string[] = [`${b.x},${b.y + b.h}`];
  for (let i = 0; i < times.length; i += step) pts.push(`${b.x + (b.w * times[i]) / xMax},${b.y + b.h - (b.h * (i + 1)) / yMax}`);
  pts.push(`${b.x + (b.w * times[times.length - 1]) / xMax},${b.y + b.h - (b.h * times.length) / yMax}`);
  return `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`;
}
