// Builds protobuf bytes by field number, the way a Go client lays them out, so tests state the
// Kubernetes field numbers themselves instead of borrowing them from our schema.
import * as protobuf from "protobufjs";

export type Part = (w: protobuf.Writer) => void;

export const str =
  (id: number, value: string): Part =>
  (w) => w.uint32((id << 3) | 2).string(value);

export const bytes =
  (id: number, value: Uint8Array): Part =>
  (w) => w.uint32((id << 3) | 2).bytes(value);

/** A varint field: int32, int64 (as a number or a decimal string for big values) or bool. */
export const varint =
  (id: number, value: number | boolean | string): Part =>
  (w) => {
    w.uint32(id << 3);
    if (typeof value === "boolean") w.bool(value);
    else if (typeof value === "string") w.int64(value);
    else w.int64(value);
  };

export const msg =
  (id: number, ...parts: Part[]): Part =>
  (w) => w.uint32((id << 3) | 2).bytes(encode(...parts));

/** A map entry: {1: key, 2: value}. */
export const entry = (id: number, key: string, value: Part): Part => msg(id, str(1, key), value);

export function encode(...parts: Part[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const p of parts) p(w);
  return w.finish();
}

/** A complete request body: magic + runtime.Unknown{TypeMeta, raw}. */
export function body(apiVersion: string, kind: string, ...object: Part[]): Buffer {
  const unknown = encode(msg(1, str(1, apiVersion), str(2, kind)), bytes(2, encode(...object)), str(3, ""), str(4, ""));
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
}
