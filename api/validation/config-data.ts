// ConfigMaps and Secrets: keys that can be file names when mounted, a 1 MiB cap on the payload
// (etcd's request limit leaves room for little more), the `immutable` switch, and each Secret
// type's required keys. Secret `data` and ConfigMap `binaryData` values are base64 on the wire.

import { type FieldCause, FIELD_IMMUTABLE, deepEqual, forbidden, invalid, key, required, tooLong } from "./field";
import { type Obj, isObj, obj, str, strMap } from "./json";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isConfigMapKey, nameIsDNSSubdomain } from "./names";

export const MAX_SECRET_SIZE = 1024 * 1024;
const REDACTED = "<secret contents redacted>";

/** Decodes standard base64, or explains where it breaks like Go's encoding/base64. */
export function decodeBase64(value: string): Uint8Array | string {
  const valid = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0 && !/=[^=]/.test(value);
  if (!valid) {
    const bad = value.search(/[^A-Za-z0-9+/=]/);
    return `illegal base64 data at input byte ${bad >= 0 ? bad : value.length - (value.length % 4 || 4)}`;
  }
  const bin = atob(value);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// Counts without encoding; the same count as TextEncoder (a lone surrogate is 3 bytes).
const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

/** Sizes of base64 values, reporting undecodable ones under `field[key]`. */
function binarySizes(data: unknown, field: string, causes: FieldCause[], rendered: (v: string) => string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(strMap(data) ?? {})) {
    const decoded = decodeBase64(v);
    if (typeof decoded === "string") causes.push(invalid(key(field, k), rendered(v), decoded));
    else out.set(k, decoded);
  }
  return out;
}

function validateKeys(data: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const k of Object.keys(strMap(data) ?? {}).sort()) {
    for (const msg of isConfigMapKey(k)) causes.push(invalid(key(field, k), k, msg));
  }
  return causes;
}

export function validateConfigMap(cm: Obj): FieldCause[] {
  const causes = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = strMap(cm.data) ?? {};
  const binaryKeys = new Set(Object.keys(strMap(cm.binaryData) ?? {}));
  causes.push(...validateKeys(cm.data, "data"));
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    if (binaryKeys.has(k)) causes.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
    total += byteLength(v);
  }
  causes.push(...validateKeys(cm.binaryData, "binaryData"));
  for (const bytes of binarySizes(cm.binaryData, "binaryData", causes, (v) => v).values()) total += bytes.length;
  // The empty path means "the whole object", as upstream reports it.
  if (total > MAX_SECRET_SIZE) causes.push(tooLong("", MAX_SECRET_SIZE));
  return causes;
}

function validateImmutableData(next: Obj, prev: Obj, fields: readonly string[]): FieldCause[] {
  if (prev.immutable !== true) return [];
  const causes: FieldCause[] = [];
  if (next.immutable !== true) causes.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const f of fields) if (!deepEqual(next[f] ?? {}, prev[f] ?? {})) causes.push(forbidden(f, "field is immutable when `immutable` is set"));
  return causes;
}

export function validateConfigMapUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, prev.metadata),
    ...validateImmutableData(next, prev, ["data", "binaryData"]),
    ...validateConfigMap(next),
  ];
}

function requireKeys(data: Map<string, Uint8Array>, keys: readonly string[]): FieldCause[] {
  return keys.filter((k) => !data.has(k)).map((k) => required(key("data", k)));
}

function validateDockerJSON(data: Map<string, Uint8Array>, dataKey: string): FieldCause[] {
  const bytes = data.get(dataKey);
  if (!bytes) return [required(key("data", dataKey))];
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!isObj(parsed)) throw new Error("json: cannot unmarshal into Go value of type map[string]interface {}");
    return [];
  } catch (err) {
    return [invalid(key("data", dataKey), REDACTED, err instanceof Error ? err.message : String(err))];
  }
}

export function validateSecret(secret: Obj): FieldCause[] {
  const causes = validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain);
  causes.push(...validateKeys(secret.data, "data"));
  const data = binarySizes(secret.data, "data", causes, () => REDACTED);
  let total = 0;
  for (const bytes of data.values()) total += bytes.length;
  if (total > MAX_SECRET_SIZE) causes.push(tooLong("data", MAX_SECRET_SIZE));
  switch (str(secret.type)) {
    case "kubernetes.io/service-account-token": {
      const annotations = strMap(obj(secret.metadata).annotations) ?? {};
      if (!annotations["kubernetes.io/service-account.name"]) {
        causes.push(required(key("metadata.annotations", "kubernetes.io/service-account.name")));
      }
      break;
    }
    case "kubernetes.io/dockercfg":
      causes.push(...validateDockerJSON(data, ".dockercfg"));
      break;
    case "kubernetes.io/dockerconfigjson":
      causes.push(...validateDockerJSON(data, ".dockerconfigjson"));
      break;
    case "kubernetes.io/basic-auth":
      if (!data.has("username") && !data.has("password")) causes.push(...requireKeys(data, ["username", "password"]));
      break;
    case "kubernetes.io/ssh-auth":
      if ((data.get("ssh-privatekey")?.length ?? 0) === 0) causes.push(required(key("data", "ssh-privatekey")));
      break;
    case "kubernetes.io/tls":
      causes.push(...requireKeys(data, ["tls.crt", "tls.key"]));
      break;
  }
  return causes;
}

export function validateSecretUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = validateObjectMetaUpdate(next.metadata, prev.metadata);
  if (str(next.type) !== str(prev.type)) causes.push(invalid("type", str(next.type), FIELD_IMMUTABLE));
  return [...causes, ...validateImmutableData(next, prev, ["data"]), ...validateSecret(next)];
}
