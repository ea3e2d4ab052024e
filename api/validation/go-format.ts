// Kubernetes renders the bad value in a message with Go's fmt verbs: %q for strings, %v for
// numbers and booleans, %#v for anything else. Users paste these messages into searches, so the
// common shapes are reproduced exactly: `map[string]string{"app":"web"}` for label maps and
// `v1.LabelSelector{MatchLabels:…, MatchExpressions:…}` for selectors. Other structures fall back
// to JSON, which is close enough to read.

/** A value already rendered in Go syntax; renderGoValue prints it verbatim. */
export class GoRepr {
  constructor(readonly text: string) {}
}

const quote = (s: string): string => JSON.stringify(s);

export function renderGoValue(value: unknown): string {
  if (value instanceof GoRepr) return value.text;
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

/** `map[string]string{"a":"1", "b":"2"}` with sorted keys, or `map[string]string(nil)`. */
export function goStringMap(map: unknown): GoRepr {
  if (typeof map !== "object" || map === null || Array.isArray(map)) return new GoRepr("map[string]string(nil)");
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${quote(k)}:${quote(String((map as Record<string, unknown>)[k]))}`);
  return new GoRepr(`map[string]string{${entries.join(", ")}}`);
}

/** `[]string{"a", "b"}` or `[]string(nil)`. */
export function goStringSlice(list: unknown): GoRepr {
  if (!Array.isArray(list)) return new GoRepr("[]string(nil)");
  return new GoRepr(`[]string{${list.map((v) => quote(String(v))).join(", ")}}`);
}

/** A metav1.LabelSelector the way `%#v` prints it, as seen in "field is immutable" errors. */
export function goLabelSelector(selector: unknown): GoRepr {
  if (typeof selector !== "object" || selector === null) return new GoRepr("null");
  const sel = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e: { key?: unknown; operator?: unknown; values?: unknown }) =>
          `v1.LabelSelectorRequirement{Key:${quote(String(e?.key ?? ""))}, Operator:${quote(String(e?.operator ?? ""))}, Values:${goStringSlice(e?.values).text}}`,
        )
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return new GoRepr(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels).text}, MatchExpressions:${exprs}}`);
}
