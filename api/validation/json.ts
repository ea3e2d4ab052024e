// Defensive readers for untyped JSON. Objects reach validation straight from request bodies, so a
// field may hold the wrong JSON type; Kubernetes' decoder would have refused those with a 400
// before validation ran. These readers treat a wrong type as "absent" so validators never throw
// and the user still gets a field-level error (usually "Required value").

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value if it is a JSON object, else an empty one. */
export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Array elements that are objects, each with its original index (paths must keep indexes). */
export function objItems(v: unknown): [Obj, number][] {
  return arr(v).map((item, i) => [obj(item), i] as [Obj, number]);
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function optStr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** A map of string values (labels, annotations, selectors); non-string values are stringified. */
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : String(val);
  return out;
}

/** Keys in a stable order, so causes come out deterministically (Go maps iterate randomly). */
export function sortedEntries<T>(map: Record<string, T> | undefined): [string, T][] {
  return map ? Object.keys(map).sort().map((k) => [k, map[k]] as [string, T]) : [];
}
