// Durations as Go writes them ("5m", "1m30s", "500ms", "0"), the form kube-apiserver's flags
// such as --etcd-compaction-interval take and print. (npm's parse-duration is ESM-only and `ms`
// has no compound units, hence these few lines.)

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds of a Go duration; undefined when `text` is not one (negative ones included). */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return text === "" ? undefined : total;
}
