// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests of
// /metrics endpoints: it throws, naming the line, on anything a Prometheus server would refuse
// or that is malformed — a TYPE after its family's samples, a second TYPE, bad metric or label
// names, bad escapes, unparsable values, a sample repeated with the same labels, a histogram
// whose buckets are not cumulative in increasing `le` or whose +Inf bucket differs from _count.

export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: FamilyType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<FamilyType>(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition text must end with a newline");
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const family = families.get(name) ?? { name, type: "untyped" as FamilyType, samples: [] };
      if (kind === "TYPE") {
        if (!TYPES.has(rest as FamilyType)) throw new Error(`${where}: unknown type`);
        if (families.has(name) && (family.samples.length > 0 || seen.has(`TYPE ${name}`))) throw new Error(`${where}: TYPE after samples or twice`);
        family.type = rest as FamilyType;
        seen.add(`TYPE ${name}`);
      } else {
        if (family.help !== undefined) throw new Error(`${where}: HELP twice`);
        family.help = unescape(rest, false, where);
      }
      families.set(name, family);
      return;
    }
    const sample = parseSample(line, where);
    // A sample without HELP or TYPE is a family of its own, untyped (the format allows it).
    let family = familyOf(families, sample.name);
    if (!family) families.set(sample.name, (family = { name: sample.name, type: "untyped", samples: [] }));
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: sample repeated`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

/** The family a sample belongs to: its own name, or a histogram's/summary's with a suffix. */
function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f && (f.type === "histogram" || (f.type === "summary" && suffix !== "_bucket"))) return f;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line);
  if (!m) throw new Error(`${where}: bad metric name`);
  const labels: Record<string, string> = {};
  let pos = m[0].length;
  if (m[2]) {
    for (;;) {
      if (line[pos] === "}") {
        pos++;
        break;
      }
      const eq = line.indexOf("=", pos);
      const name = line.slice(pos, eq);
      if (eq < 0 || !LABEL_NAME.test(name)) throw new Error(`${where}: bad label name`);
      if (name in labels) throw new Error(`${where}: label ${name} twice`);
      if (line[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
      let end = eq + 2;
      while (end < line.length && line[end] !== '"') end += line[end] === "\\" ? 2 : 1;
      if (end >= line.length) throw new Error(`${where}: unterminated label value`);
      labels[name] = unescape(line.slice(eq + 2, end), true, where);
      pos = end + 1;
      if (line[pos] === ",") pos++;
      else if (line[pos] !== "}") throw new Error(`${where}: expected , or }`);
    }
  }
  const rest = line.slice(pos).split(" ");
  if (rest[0] !== "" || rest.length < 2 || rest.length > 3) throw new Error(`${where}: expected ' value [timestamp]'`);
  const value = parseValue(rest[1], where);
  if (rest[2] !== undefined && !/^-?\d+$/.test(rest[2])) throw new Error(`${where}: bad timestamp`);
  return { name: m[1], labels, value };
}

function parseValue(s: string, where: string): number {
  if (s === "+Inf" || s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`${where}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

function unescape(s: string, quoted: boolean, where: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quoted) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
  for (const s of f.samples) {
    const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
    series.set(keyOf(s.labels), entry);
    if (s.name === `${f.name}_bucket`) {
      if (s.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
      entry.buckets.push([parseValue(s.labels.le, f.name), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name} in a histogram`);
  }
  for (const [labels, e] of series) {
    for (let i = 1; i < e.buckets.length; i++) {
      if (!(e.buckets[i][0] > e.buckets[i - 1][0])) throw new Error(`${f.name}${labels}: le not increasing`);
      if (e.buckets[i][1] < e.buckets[i - 1][1]) throw new Error(`${f.name}${labels}: buckets not cumulative`);
    }
    const inf = e.buckets.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${f.name}${labels}: no +Inf bucket`);
    if (e.count === undefined || e.sum === undefined) throw new Error(`${f.name}${labels}: _count or _sum missing`);
    if (inf[1] !== e.count) throw new Error(`${f.name}${labels}: +Inf bucket ${inf[1]} != _count ${e.count}`);
  }
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function sampleSum(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}
