// The `pod-template-hash`: a short, stable name for a pod template, used in a Deployment's
// ReplicaSet names (`web-7d9c8fbb5`), their selectors and their pods' labels.
//
// The idea is Kubernetes' ComputeHash: FNV-1a (32 bit) over the template, then over the
// collision count (8 bytes, little-endian) when the Deployment has one, and the decimal number
// rendered with the "safe" alphabet (no vowels, no look-alikes) so the result never spells a
// word. Kubernetes hashes Go's printed struct; we hash canonical JSON (sorted keys, absent
// fields dropped), so our hashes differ from Kubernetes' but are just as stable: the same
// template always gives the same hash, in any process, whatever the key order.
//
// Hashes name things only. Whether a ReplicaSet belongs to a template is decided by comparing
// templates (templatesEqualIgnoringHash), so a collision costs a rename, never a mix-up.

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** JSON with object keys sorted and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a, continuing from `seed` (the offset basis by default). */
export function fnv32a(bytes: Uint8Array, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** Each character mapped into the safe alphabet (apimachinery's rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * The pod-template-hash of `template`, perturbed by the Deployment's collisionCount if set.
 * Null, empty and absent fields hash alike (kubectl sends `creationTimestamp: null`).
 */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(pruneEmpty(template) ?? {}), "utf8"));
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = Buffer.alloc(8);
    extra.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** A copy of a template without the pod-template-hash label (labels dropped when empty). */
export function templateWithoutHash<T>(template: T): T {
  const copy = structuredClone(template) as { metadata?: { labels?: Record<string, string> } };
  const labels = copy?.metadata?.labels;
  if (labels) {
    delete labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(labels).length === 0) delete copy.metadata!.labels;
  }
  return copy as T;
}

/**
 * Whether two pod templates are the same apart from the pod-template-hash label (EqualIgnoreHash).
 * Null, empty maps and empty lists count as absent, as Kubernetes' semantic equality does (a
 * template `kubectl rollout undo` patches back has `creationTimestamp: null`).
 */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  return canonicalJson(pruneEmpty(templateWithoutHash(a))) === canonicalJson(pruneEmpty(templateWithoutHash(b)));
}

function pruneEmpty(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(pruneEmpty);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const pruned = pruneEmpty(v);
    if (pruned !== undefined) out[k] = pruned;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
