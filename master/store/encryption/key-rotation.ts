// Key rotation as config edits (pure): a new aesgcm key goes first, so new writes use it while
// every older key still reads what it wrote; after every value was rewritten the old keys can go.
// Keys are named key1, key2, ... so the newest is easy to spot in etcd's prefixes.

import { newAesGcmKey, type AesGcmKey, type EncryptionConfig, type Provider, type ResourceEncryption } from "./encryption-config";

/** A deep copy; structuredClone would turn the key Buffers into plain Uint8Arrays. */
function copyOf(config: EncryptionConfig): EncryptionConfig {
  return {
    resources: config.resources.map((r) => ({
      resources: [...r.resources],
      providers: r.providers.map((p): Provider => (p.type === "aesgcm" ? { type: "aesgcm", keys: p.keys.map((k) => ({ name: k.name, secret: Buffer.from(k.secret) })) } : { type: p.type })),
    })),
  };
}

function entryFor(config: EncryptionConfig, resource: string): ResourceEncryption {
  const entry = config.resources.find((r) => r.resources.includes(resource));
  if (!entry) throw new Error(`the encryption config does not configure ${resource}`);
  return entry;
}

function nextKeyName(config: EncryptionConfig): string {
  let max = 0;
  for (const r of config.resources) {
    for (const p of r.providers) if (p.type === "aesgcm") for (const k of p.keys) max = Math.max(max, Number(/^key(\d+)$/.exec(k.name)?.[1] ?? 0));
  }
  return `key${max + 1}`;
}

/**
 * A copy of `config` whose `resource` is written with a new key: first in the first aesgcm
 * provider, which is moved (or added) to the front. Returns the new key too.
 */
export function withNewWriteKey(config: EncryptionConfig, resource: string, key: AesGcmKey = newAesGcmKey(nextKeyName(config))): { config: EncryptionConfig; key: AesGcmKey } {
  const copy = copyOf(config);
  const entry = entryFor(copy, resource);
  const at = entry.providers.findIndex((p) => p.type === "aesgcm");
  const aesgcm = at >= 0 ? entry.providers.splice(at, 1)[0] : { type: "aesgcm" as const, keys: [] };
  if (aesgcm.type !== "aesgcm") throw new Error("unreachable");
  aesgcm.keys.unshift(key);
  entry.providers.unshift(aesgcm);
  return { config: copy, key };
}

/** A copy of `config` keeping, for `resource`, only the key it is written with (and identity); returns the dropped names. */
export function withoutOldKeys(config: EncryptionConfig, resource: string): { config: EncryptionConfig; dropped: string[] } {
  const copy = copyOf(config);
  const entry = entryFor(copy, resource);
  const first = entry.providers[0];
  if (first.type !== "aesgcm") throw new Error(`${resource} are not written with an aesgcm key; rotate before pruning`);
  const dropped: string[] = [];
  entry.providers = entry.providers.flatMap((p, i): Provider[] => {
    if (p.type !== "aesgcm") return [p];
    const keep = i === 0 ? p.keys.slice(0, 1) : [];
    dropped.push(...p.keys.filter((k) => !keep.includes(k)).map((k) => k.name));
    return keep.length > 0 ? [{ ...p, keys: keep }] : [];
  });
  return { config: copy, dropped };
}
