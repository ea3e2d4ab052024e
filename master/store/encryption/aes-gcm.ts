// AES-GCM as kube-apiserver's aesgcm provider uses it (apiserver/pkg/storage/value/encrypt/aes):
// a random 12-byte nonce per write, the stored bytes are nonce ‖ ciphertext ‖ 16-byte tag, and
// the etcd key is the additional authenticated data. Keys of 16, 24 or 32 bytes (AES-128/192/256).

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export const AES_KEY_SIZES = [16, 24, 32];

function algorithm(key: Buffer): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
  }
  throw new Error(`an AES key is 16, 24 or 32 bytes, not ${key.length}`);
}

export function sealAesGcm(key: Buffer, plaintext: Buffer, additionalData: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(algorithm(key), key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData);
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Throws when the data is too short, or was not sealed with this key for this additional data. */
export function openAesGcm(key: Buffer, sealed: Buffer, additionalData: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error("the stored data was shorter than the required size");
  const decipher = createDecipheriv(algorithm(key), key, sealed.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Error("cipher: message authentication failed");
  }
}
