// The EncryptionConfiguration file (apiserver.config.k8s.io/v1), as kube-apiserver's
// --encryption-provider-config reads it:
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//     - resources: [secrets]
//       providers:
//         - aesgcm:
//             keys:
//               - name: key2          # the first key of the first provider encrypts new writes
//                 secret: <base64 of 32 random bytes>
//               - name: key1          # every key decrypts what was written with it
//                 secret: <base64>
//         - identity: {}              # reads values written before encryption was on
//
// Gantry implements the aesgcm and identity providers, for secrets and configmaps (whose every
// write goes through the store; the scheduler writes pod bindings to etcd directly).

import { randomBytes } from "node:crypto";
import { parse, stringify } from "yaml";
import { AES_KEY_SIZES } from "./aes-gcm";

export interface AesGcmKey {
  name: string;
  secret: Buffer;
}

export type Provider = { type: "aesgcm"; keys: AesGcmKey[] } | { type: "identity" };

export interface ResourceEncryption {
  /** Plural names: "secrets", "configmaps". */
  resources: string[];
  providers: Provider[];
}

export interface EncryptionConfig {
  resources: ResourceEncryption[];
}

export const ENCRYPTION_CONFIG_FILE = "encryption-config.yaml";
export const ENCRYPTABLE_RESOURCES = ["secrets", "configmaps"];
const UNSUPPORTED_PROVIDERS = ["aescbc", "secretbox", "kms"];

/** 32 random bytes: AES-256, what `head -c 32 /dev/urandom | base64` gives for upstream's config. */
export function newAesGcmKey(name: string): AesGcmKey {
  return { name, secret: randomBytes(32) };
}

/** What a master writes at first start: one new key for secrets, identity to read older values. */
export function initialEncryptionConfig(): EncryptionConfig {
  return { resources: [{ resources: ["secrets"], providers: [{ type: "aesgcm", keys: [newAesGcmKey("key1")] }, { type: "identity" }] }] };
}

function fail(source: string, what: string): never {
  throw new Error(`${source}: ${what}`);
}

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

function parseProvider(raw: unknown, path: string, source: string): Provider {
  if (!isRaw(raw)) fail(source, `${path} must be an object with one provider (aesgcm or identity)`);
  const types = Object.keys(raw);
  if (types.length !== 1) fail(source, `${path} must name exactly one provider, not ${types.length} (${types.join(", ")})`);
  const type = types[0];
  if (type === "identity") return { type: "identity" };
  if (UNSUPPORTED_PROVIDERS.includes(type)) fail(source, `${path}: the ${type} provider is not supported by Gantry; use aesgcm`);
  if (type !== "aesgcm") fail(source, `${path}: unknown provider "${type}"`);
  const keys = isRaw(raw.aesgcm) && Array.isArray(raw.aesgcm.keys) ? raw.aesgcm.keys : fail(source, `${path}.aesgcm.keys must be a list of keys`);
  if (keys.length === 0) fail(source, `${path}.aesgcm.keys must not be empty`);
  const names = new Set<string>();
  return {
    type: "aesgcm",
    keys: keys.map((k, i) => {
      const at = `${path}.aesgcm.keys[${i}]`;
      if (!isRaw(k) || typeof k.name !== "string" || typeof k.secret !== "string") fail(source, `${at} needs a name and a secret`);
      if (!/^[A-Za-z0-9._-]+$/.test(k.name)) fail(source, `${at}.name "${k.name}" must be letters, digits, ".", "_" or "-" (it is part of the stored prefix)`);
      if (names.has(k.name)) fail(source, `${at}.name "${k.name}" is used twice`);
      names.add(k.name);
      const secret = Buffer.from(k.secret, "base64");
      if (!AES_KEY_SIZES.includes(secret.length) || secret.toString("base64") !== k.secret.replace(/\s/g, "")) {
        fail(source, `${at}.secret must be the base64 of 16, 24 or 32 bytes (got ${secret.length})`);
      }
      return { name: k.name, secret };
    }),
  };
}

/** Parses and checks a config file's text; throws naming the file and the bad field. */
export function parseEncryptionConfig(text: string, source: string): EncryptionConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    fail(source, `not YAML: ${(err as Error).message}`);
  }
  if (!isRaw(doc) || doc.kind !== "EncryptionConfiguration" || doc.apiVersion !== "apiserver.config.k8s.io/v1") {
    fail(source, "not an EncryptionConfiguration of apiVersion apiserver.config.k8s.io/v1");
  }
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) fail(source, "resources must be a non-empty list");
  const seen = new Set<string>();
  return {
    resources: doc.resources.map((entry, i) => {
      const path = `resources[${i}]`;
      if (!isRaw(entry) || !Array.isArray(entry.resources) || !Array.isArray(entry.providers) || entry.providers.length === 0) {
        fail(source, `${path} needs resources and a non-empty providers list`);
      }
      const resources = entry.resources.map((r) => String(r));
      for (const r of resources) {
        if (!ENCRYPTABLE_RESOURCES.includes(r)) fail(source, `${path}: "${r}" cannot be encrypted by Gantry (${ENCRYPTABLE_RESOURCES.join(", ")} can)`);
        if (seen.has(r)) fail(source, `${path}: "${r}" is configured twice`);
        seen.add(r);
      }
      return { resources, providers: entry.providers.map((p, j) => parseProvider(p, `${path}.providers[${j}]`, source)) };
    }),
  };
}

export function formatEncryptionConfig(config: EncryptionConfig): string {
  const doc = {
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: config.resources.map((r) => ({
      resources: r.resources,
      providers: r.providers.map((p) => (p.type === "identity" ? { identity: {} } : { aesgcm: { keys: p.keys.map((k) => ({ name: k.name, secret: k.secret.toString("base64") })) } })),
    })),
  };
  return `# Encryption at rest (kube-apiserver's EncryptionConfiguration). Keep this file secret, and the\n# same on every master; \`gantry secrets rotate-key\` adds keys. See master/store/README.md.\n${stringify(doc)}`;
}
