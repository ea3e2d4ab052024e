// How objects, key ranges and continue tokens look in etcd. Pure functions: the store's rules
// about resourceVersion (never stored, always returned) live here in one place.

import { isJsonObject, type KubeObject } from "../../api/object";
import { StoreError } from "./types";

/** The stored bytes of an object: JSON without metadata.resourceVersion (etcd's mod_revision is the truth). */
export function encodeObject(obj: KubeObject): Buffer {
  return Buffer.from(encodeObjectJson(obj));
}

/** encodeObject as text, for a writer that also decodes what it wrote (decodeObject takes both). */
export function encodeObjectJson(obj: KubeObject): string {
  const { resourceVersion: _dropped, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

/** Parses a stored value and stamps it with `resourceVersion`. Corrupt JSON throws (a 500, not a StoreError). */
export function decodeObject<T extends KubeObject>(key: string, value: Buffer | string, resourceVersion: string | number): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === "string" ? value : value.toString("utf8"));
  } catch (err) {
    throw new Error(`etcd value at ${key} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isJsonObject(parsed)) throw new Error(`etcd value at ${key} is not a JSON object`);
  const metadata = isJsonObject(parsed.metadata) ? parsed.metadata : {};
  parsed.metadata = { ...metadata, resourceVersion: String(resourceVersion) };
  return parsed as T;
}

/** The end of the range holding every key that starts with `prefix` (etcd's "prefix + 1"). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff bytes: no upper bound; "\0" means "to the end of the keyspace" to etcd.
  return Buffer.from([0]);
}

/** The smallest key greater than `key`, where a paged read resumes. */
export function keyAfter(key: string): string {
  return `${key}\u0000`;
}

interface ContinueToken {
  rev: number;
  startKey: string;
}

/** Opaque to clients: the revision the first page was read at, and where the next page starts. */
export function encodeContinue(rev: number, startKey: string): string {
  const token: ContinueToken = { rev, startKey };
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

/** Throws InvalidContinue for anything encodeContinue did not make for this prefix. */
export function decodeContinue(token: string, prefix: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    isJsonObject(parsed) &&
    typeof parsed.rev === "number" &&
    Number.isSafeInteger(parsed.rev) &&
    parsed.rev > 0 &&
    typeof parsed.startKey === "string" &&
    parsed.startKey.startsWith(prefix)
  ) {
    return { rev: parsed.rev, startKey: parsed.startKey };
  }
  throw new StoreError("InvalidContinue", prefix, `continue token is not valid for ${prefix}; restart the list without it`);
}

/** A resourceVersion as an etcd revision, or undefined when it cannot be one. */
export function parseRevision(resourceVersion: string): number | undefined {
  if (!/^\d{1,16}$/.test(resourceVersion)) return undefined;
  const rev = Number(resourceVersion);
  return Number.isSafeInteger(rev) ? rev : undefined;
}
