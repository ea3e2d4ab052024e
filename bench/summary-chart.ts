// A benchmark's summary chart: one pair of horizontal bars per headline number — ours (blue)
// and the reference measured in the same run (grey) — each pair on its own scale, so numbers of
// different units share one picture. Rows without a reference get a single bar.

import { esc, fmt } from "./svg";
import type { SummaryRow } from "./summary";

export function summaryChart(title: string, subtitle: string, rows: readonly SummaryRow[]): string {
  const W = 960;
  const rowH = 44;
  const top = 70;
  const H = top + rows.length * rowH + 30;
  const x0 = 330;
  const barW = W - x0 - 190;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<text x="${W / 2}" y="42" font-size="11" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const max = Math.max(r.value, r.reference ?? 0) || 1;
    out.push(`<text x="${x0 - 8}" y="${y + 14}" font-size="11" text-anchor="end">${esc(`${r.benchmark}: ${r.metric}`)}</text>`);
    out.push(`<rect x="${x0}" y="${y}" width="${(barW * r.value) / max}" height="16" fill="#1f6fd1"/>`);
    out.push(`<text x="${x0 + (barW * r.value) / max + 4}" y="${y + 12}" font-size="10">${esc(`${fmt(r.value)} ${r.unit}`)}</text>`);
    if (r.reference !== undefined) {
      out.push(`<rect x="${x0}" y="${y + 18}" width="${(barW * r.reference) / max}" height="16" fill="#aaa"/>`);
      out.push(`<text x="${x0 + (barW * r.reference) / max + 4}" y="${y + 30}" font-size="10">${esc(`${fmt(r.reference)} ${r.unit}, ${r.referenceName ?? "reference"}`)}</text>`);
    }
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
