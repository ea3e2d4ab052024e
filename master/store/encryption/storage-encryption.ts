// An EncryptionConfig applied to etcd values: the values under /registry/<resource>/ of each
// configured resource are written by the first provider and read by whichever provider wrote
// them, found by the prefix the value starts with (kube-apiserver's prefix transformers):
//
//   k8s:enc:aesgcm:v1:<key name>:<nonce ‖ ciphertext ‖ tag>    aesgcm, that key
//   anything else                                              identity (plain JSON), if listed
//
// Other keys pass through untouched.

import type { ValueTransformer } from "../value-transformer";
import { openAesGcm, sealAesGcm } from "./aes-gcm";
import type { AesGcmKey, EncryptionConfig, Provider } from "./encryption-config";

const ENCRYPTED_PREFIX = "k8s:enc:";

/** Upstream's advice for aesgcm with random nonces: rotate before a key encrypts this many values. */
export const AES_GCM_ROTATION_WRITES = 200_000;

export function aesGcmPrefix(keyName: string): string {
  return `${ENCRYPTED_PREFIX}aesgcm:v1:${keyName}:`;
}

export interface WriteKeyUse {
  resource: string;
  /** The aesgcm key new values are written with, or "identity". */
  writeKey: string;
}

/** One configured resource's providers. */
class ResourceProviders {
  private readonly readKeys = new Map<string, AesGcmKey>();
  private readonly identity: boolean;

  constructor(
    readonly resource: string,
    private readonly providers: Provider[],
    private readonly countWrite: (keyName: string) => void,
  ) {
    for (const p of providers) if (p.type === "aesgcm") for (const k of p.keys) if (!this.readKeys.has(k.name)) this.readKeys.set(k.name, k);
    this.identity = providers.some((p) => p.type === "identity");
  }

  get writeKey(): string {
    const first = this.providers[0];
    return first.type === "aesgcm" ? first.keys[0].name : "identity";
  }

  toStorage(key: string, plaintext: Buffer): Buffer {
    const first = this.providers[0];
    if (first.type === "identity") return plaintext;
    const k = first.keys[0];
    this.countWrite(k.name);
    return Buffer.concat([Buffer.from(aesGcmPrefix(k.name)), sealAesGcm(k.secret, plaintext, Buffer.from(key))]);
  }

  fromStorage(key: string, stored: Buffer): Buffer {
    if (!startsWith(stored, ENCRYPTED_PREFIX)) {
      if (this.identity) return stored;
      throw new Error(`unable to read ${key}: it is not encrypted, and the encryption config of ${this.resource} has no identity provider to read unencrypted values`);
    }
    const m = /^k8s:enc:aesgcm:v1:([^:]+):/.exec(stored.subarray(0, 200).toString("latin1"));
    if (!m) throw new Error(`unable to read ${key}: it was encrypted by a provider Gantry does not have (${stored.subarray(0, 40).toString("latin1").split(":").slice(0, 4).join(":")})`);
    const k = this.readKeys.get(m[1]);
    if (!k) throw new Error(`unable to read ${key}: it was encrypted with aesgcm key "${m[1]}", which the encryption config no longer has`);
    try {
      return openAesGcm(k.secret, stored.subarray(m[0].length), Buffer.from(key));
    } catch (err) {
      throw new Error(`unable to read ${key} with aesgcm key "${k.name}": ${(err as Error).message}`);
    }
  }
}

function startsWith(data: Buffer, prefix: string): boolean {
  return data.length >= prefix.length && data.subarray(0, prefix.length).toString("latin1") === prefix;
}

export class StorageEncryption implements ValueTransformer {
  /** By storage prefix: "/registry/secrets/". */
  private readonly byPrefix = new Map<string, ResourceProviders>();

  constructor(config: EncryptionConfig, countWrite: (keyName: string) => void = () => {}) {
    for (const entry of config.resources) {
      for (const resource of entry.resources) this.byPrefix.set(`/registry/${resource}/`, new ResourceProviders(resource, entry.providers, countWrite));
    }
  }

  private providersFor(key: string): ResourceProviders | undefined {
    const second = key.indexOf("/", "/registry/".length);
    return key.startsWith("/registry/") && second > 0 ? this.byPrefix.get(key.slice(0, second + 1)) : undefined;
  }

  toStorage(key: string, plaintext: Buffer): Buffer {
    return this.providersFor(key)?.toStorage(key, plaintext) ?? plaintext;
  }

  fromStorage(key: string, stored: Buffer): Buffer {
    const p = this.providersFor(key);
    return p ? p.fromStorage(key, stored) : stored;
  }

  /** Which key each configured resource is written with. */
  writeKeys(): WriteKeyUse[] {
    return [...this.byPrefix.values()].map((p) => ({ resource: p.resource, writeKey: p.writeKey }));
  }
}
