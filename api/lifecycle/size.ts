// The largest object Gantry stores. etcd refuses requests over 1.5 MiB (its default
// --max-request-bytes); Kubernetes lets that surface as a 500 "etcdserver: request is too large"
// (kubernetes/kubernetes#112152). Gantry checks first and answers 413 RequestEntityTooLarge,
// naming the object and the limit, because the client must change the object, not retry.

import { ApiError, errors } from "../errors";
import type { KubeObject } from "../object";

export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

export function serializedSize(obj: KubeObject): number {
  // UTF-8 length without encoding a copy (the same count as TextEncoder gives).
  return Buffer.byteLength(JSON.stringify(obj), "utf8");
}

/** The 413 to answer with, or undefined when the object fits. */
export function objectSizeError(obj: KubeObject): ApiError | undefined {
  const size = serializedSize(obj);
  if (size <= MAX_OBJECT_BYTES) return undefined;
  return tooLargeToStore(obj, `${size} bytes serialized`);
}

/** The 413 for an object that outgrew the limit; `how` says by how much or where, e.g. `${n} bytes serialized`. */
export function tooLargeToStore(obj: { kind?: unknown; metadata?: { name?: unknown } }, how: string, limit = MAX_OBJECT_BYTES): ApiError {
  const what = `${typeof obj.kind === "string" ? obj.kind : "object"} "${String(obj.metadata?.name ?? "")}"`;
  return errors.tooLarge(
    `${what} is too large to store: ${how}, the limit is ${limit} bytes (etcd's request size limit); keep large data out of the object, e.g. split it across several ConfigMaps`,
  );
}

/** Throws the 413 from objectSizeError. */
export function checkObjectSize(obj: KubeObject): void {
  const err = objectSizeError(obj);
  if (err) throw err;
}
