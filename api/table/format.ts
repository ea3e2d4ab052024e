// Cell formatting shared by the printers: ages, label maps, label selectors, container lists.
// Each mirrors the Kubernetes helper kubectl users know the output of (labels.FormatLabels,
// metav1.FormatLabelSelector, net.JoinHostPort, ...).

import { humanDuration } from "./duration";

/** Milliseconds since the epoch, or undefined for an absent or unreadable timestamp. */
export function parseTime(timestamp: unknown): number | undefined {
  if (typeof timestamp !== "string" || timestamp === "") return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `5m`, `3d4h`: how long ago `timestamp` was; `<unknown>` when it is not set. */
export function since(timestamp: unknown, now: Date): string {
  const t = parseTime(timestamp);
  return t === undefined ? "<unknown>" : humanDuration(now.getTime() - t);
}

/** Go's sort order for strings: by UTF-16 code unit, which matches byte order for ASCII keys. */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `app=web,tier=front` sorted by key; `<none>` for an empty or absent map. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort(byString);
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(",");
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A label selector the way `selector.String()` renders it: requirements sorted by key,
 * `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. Empty or absent selectors give "".
 * Returns undefined when the selector is malformed (an unknown operator, or values where
 * the operator forbids them), which callers print as `<invalid>` or `<error>`.
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string | undefined {
  if (!selector) return "";
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    parts.push({ key, text: `${key}=${value}` });
  }
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])];
    const list = values.length === 1 ? values[0] : values.sort(byString).join(",");
    switch (req.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) return undefined;
        parts.push({ key: req.key, text: `${req.key} ${req.operator === "In" ? "in" : "notin"} (${list})` });
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) return undefined;
        parts.push({ key: req.key, text: req.operator === "Exists" ? req.key : `!${req.key}` });
        break;
      default:
        return undefined;
    }
  }
  // Array.prototype.sort is stable, so requirements on one key keep their written order.
  return parts
    .sort((a, b) => byString(a.key, b.key))
    .map((p) => p.text)
    .join(",");
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when malformed. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

/** The CONTAINERS and IMAGES cells of a pod template: names and images, comma-separated. */
export function containerCells(containers: readonly { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** `10.0.0.1:80`, `[fd00::1]:80`. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A non-negative count from a JSON field that may be absent. */
export function count(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

/**
 * A resource.Quantity as printed. Quantities arrive as strings in their written form; the
 * string is shown as is (Kubernetes would print its canonical form, e.g. `0.5` as `500m`).
 */
export function quantity(value: unknown): string {
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? value : "0";
}
