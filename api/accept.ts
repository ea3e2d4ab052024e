// The Accept header as the Kubernetes apiserver reads it (goautoneg): media ranges ordered by
// q, then concrete types before wildcards, otherwise as the client wrote them. Pure.

export interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  /** Parameters other than q, e.g. `as`, `g`, `v` of a Table request. */
  params: Map<string, string>;
}

/** The ranges of an Accept header, most preferred first; an empty header gives none. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [mediaType, ...rawParams] = part.trim().split(";");
    const slash = mediaType.split("/");
    const type = slash[0].trim();
    let subtype: string;
    if (slash.length === 1 && type === "*") subtype = "*";
    else if (slash.length === 2) subtype = slash[1].trim();
    else continue;
    const range: MediaRange = { type, subtype, q: 1, params: new Map() };
    for (const p of rawParams) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (key === "q") range.q = Number.parseFloat(value) || 0;
      else range.params.set(key, value);
    }
    ranges.push(range);
  }
  // Stable: ties keep the order the client wrote them in.
  return ranges.sort((a, b) => {
    if (a.q !== b.q) return b.q - a.q;
    if ((a.type === "*") !== (b.type === "*")) return a.type === "*" ? 1 : -1;
    if ((a.subtype === "*") !== (b.subtype === "*")) return a.subtype === "*" ? 1 : -1;
    return 0;
  });
}

/** Whether `range` admits the media type `type/subtype` (wildcards included). */
export function rangeMatches(range: MediaRange, type: string, subtype: string): boolean {
  return (range.type === type && (range.subtype === subtype || range.subtype === "*")) || (range.type === "*" && range.subtype === "*");
}
