// The scheduler benchmark's chart, written as plain SVG (no charting dependency): pods created and
// bound over time, the latency distribution, and packing per resource against the lower bound.

import { axes, cumulative, esc, type Box } from "./svg";

export interface ChartInput {
  title: string;
  subtitle: string;
  /** Seconds since the first create, one entry per pod, sorted. */
  createdAt: number[];
  boundAt: number[];
  /** [seconds, binds acknowledged] samples from the scheduler itself, when it runs in this process. */
  acked?: [number, number][];
  /** Scheduling latencies in ms, sorted. */
  latenciesMs: number[];
  packing: { resource: string; nodesUsed: number; lowerBound: number }[];
}

const W = 960;
const H = 640;

export function schedulerChart(c: ChartInput): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="${W / 2}" y="42" font-size="11" text-anchor="middle" fill="#555">${esc(c.subtitle)}</text>`,
  ];

  // 1. Created and bound over time.
  const timeline: Box = { x: 70, y: 70, w: 820, h: 220 };
  const tMax = Math.max(c.createdAt.at(-1) ?? 0, c.boundAt.at(-1) ?? 0, 0.001);
  const nMax = Math.max(c.createdAt.length, 1);
  const ackedLabel = c.acked ? ", binds acknowledged to the scheduler (green)" : "";
  parts.push(`<text x="${timeline.x}" y="${timeline.y - 8}" font-size="12" font-weight="bold">Pods created (grey), seen bound by a watch (blue)${ackedLabel}</text>`);
  parts.push(axes(timeline, tMax, nMax, "seconds since the first create", "pods"));
  parts.push(cumulative(timeline, c.createdAt, tMax, nMax, "#999"));
  parts.push(cumulative(timeline, c.boundAt, tMax, nMax, "#1f6fd1"));
  if (c.acked) {
    const pts = c.acked.map(([t, n]) => `${timeline.x + (timeline.w * Math.min(t, tMax)) / tMax},${timeline.y + timeline.h - (timeline.h * n) / nMax}`);
    parts.push(`<polyline points="${timeline.x},${timeline.y + timeline.h} ${pts.join(" ")}" fill="none" stroke="#2a9d3a" stroke-width="2" stroke-dasharray="5 3"/>`);
  }

  // 2. Latency CDF.
  const cdf: Box = { x: 70, y: 370, w: 380, h: 200 };
  const lMax = Math.max(c.latenciesMs.at(-1) ?? 0, 1);
  parts.push(`<text x="${cdf.x}" y="${cdf.y - 8}" font-size="12" font-weight="bold">Latency, create acknowledged → bound pod seen by a watch (CDF)</text>`);
  parts.push(axes(cdf, lMax, 100, "milliseconds", "% of pods"));
  const lat = c.latenciesMs;
  const step = Math.max(1, Math.floor(lat.length / 400));
  const pts: string[] = [];
  for (let i = 0; i < lat.length; i += step) pts.push(`${cdf.x + (cdf.w * lat[i]) / lMax},${cdf.y + cdf.h - (cdf.h * (i + 1)) / lat.length}`);
  if (lat.length > 0) pts.push(`${cdf.x + cdf.w},${cdf.y}`);
  parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="#d1591f" stroke-width="2"/>`);

  // 3. Packing: nodes used vs lower bound per resource.
  const bars: Box = { x: 540, y: 370, w: 350, h: 200 };
  const bMax = Math.max(...c.packing.map((p) => Math.max(p.nodesUsed, p.lowerBound)), 1);
  parts.push(`<text x="${bars.x}" y="${bars.y - 8}" font-size="12" font-weight="bold">Nodes used (blue) vs lower bound (grey)</text>`);
  parts.push(axes(bars, 0, bMax, "", "nodes", false));
  const slot = bars.w / Math.max(c.packing.length, 1);
  c.packing.forEach((p, i) => {
    const x = bars.x + slot * i + slot * 0.15;
    const bw = slot * 0.33;
    const hUsed = (bars.h * p.nodesUsed) / bMax;
    const hLb = (bars.h * p.lowerBound) / bMax;
    parts.push(`<rect x="${x}" y="${bars.y + bars.h - hUsed}" width="${bw}" height="${hUsed}" fill="#1f6fd1"/>`);
    parts.push(`<rect x="${x + bw}" y="${bars.y + bars.h - hLb}" width="${bw}" height="${hLb}" fill="#aaa"/>`);
    parts.push(`<text x="${x + bw}" y="${bars.y + bars.h + 14}" font-size="10" text-anchor="middle">${esc(p.resource)}: ${p.nodesUsed} / ${p.lowerBound}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
