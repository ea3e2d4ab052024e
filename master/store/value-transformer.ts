// What the store does to a value on its way into etcd and back: nothing, or encryption at rest
// (master/store/encryption). The etcd key is passed along so an encrypted value authenticates
// where it lives: copied to another key, it no longer decrypts.

import type { KubeObject } from "../../api/object";
import { decodeObject } from "./etcd-codec";

export interface ValueTransformer {
  /** The bytes stored under `key` for this plaintext. */
  toStorage(key: string, plaintext: Buffer): Buffer;
  /** The plaintext of a stored value; throws when it cannot be read (a 500 to clients). */
  fromStorage(key: string, stored: Buffer): Buffer;
}

export const IDENTITY_TRANSFORMER: ValueTransformer = {
  toStorage: (_key, plaintext) => plaintext,
  fromStorage: (_key, stored) => stored,
};

/** Decodes a stored value into an object stamped with `resourceVersion`. */
export type ValueDecoder = <T extends KubeObject>(key: string, value: Buffer, resourceVersion: string | number) => T;

export function decoderFor(transformer: ValueTransformer): ValueDecoder {
  return <T extends KubeObject>(key: string, value: Buffer, resourceVersion: string | number) => decodeObject<T>(key, transformer.fromStorage(key, value), resourceVersion);
}
