// Finds wire fields the schema does not describe. protobufjs skips them silently, which would
// turn "kubectl sent a volume type Gantry does not model" into "the pod lost its volume". A Go
// client also writes every non-pointer field of a newer API version, empty; those carry nothing
// and are not reported.
import * as protobuf from "protobufjs";
import { isInline, jsonNameOf } from "./to-json";

export interface UnknownField {
  /** JSON-style path of the message holding the field, e.g. `spec.template.spec.volumes[0]`. */
  path: string;
  /** Full name of that message's type. */
  type: string;
  /** The field number on the wire. */
  field: number;
}

const MAX_DEPTH = 100;

enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** Walks `bytes` as a `type` message and lists every non-empty field that `type` lacks. */
export function findUnknownFields(type: protobuf.Type, bytes: Uint8Array): UnknownField[] {
  const found: UnknownField[] = [];
  scan(type, bytes, "", found, 0);
  return found;
}

function scan(type: protobuf.Type, bytes: Uint8Array, path: string, found: UnknownField[], depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`message nesting deeper than ${MAX_DEPTH} at ${path || "the top level"}`);
  const reader = protobuf.Reader.create(bytes);
  const counts = new Map<number, number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    // Kubernetes messages have no groups, and skipping one recurses once per nested group: a body
    // of nested group tags would run the stack out.
    if (wireType === WireType.StartGroup || wireType === WireType.EndGroup) {
      throw new Error(`field ${id} at ${path || "the top level"} uses a protobuf group, which Kubernetes messages never do`);
    }
    const field = type.fieldsById[id];
    if (!field) {
      const start = reader.pos;
      reader.skipType(wireType);
      if (!isEmptyValue(wireType, bytes.subarray(start, reader.pos), depth)) found.push({ path, type: type.fullName.slice(1), field: id });
      continue;
    }
    const index = counts.get(id) ?? 0;
    counts.set(id, index + 1);
    const nested = field.resolvedType;
    if (wireType !== WireType.LengthDelimited || !(nested instanceof protobuf.Type)) {
      reader.skipType(wireType);
      continue;
    }
    const name = isInline(field) ? path : join(path, jsonNameOf(field));
    if (field.map) scanMapEntry(nested, reader.bytes(), name, found, depth);
    else scan(nested, reader.bytes(), field.repeated ? `${name}[${index}]` : name, found, depth + 1);
  }
}

/** A map entry is a message {1: key, 2: value}; only message values can hide unknown fields. */
function scanMapEntry(valueType: protobuf.Type, entry: Uint8Array, path: string, found: UnknownField[], depth: number): void {
  const reader = protobuf.Reader.create(entry);
  let key = "";
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WireType.LengthDelimited)) key = reader.string();
    else if (tag === ((2 << 3) | WireType.LengthDelimited)) value = reader.bytes();
    else reader.skipType(tag & 7);
  }
  if (value) scan(valueType, value, `${path}[${JSON.stringify(key)}]`, found, depth + 1);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Zero scalars, empty strings and messages whose own fields are all empty carry no data. */
function isEmptyValue(wireType: number, encoded: Uint8Array, depth: number): boolean {
  switch (wireType) {
    case WireType.Varint:
    case WireType.Fixed64:
    case WireType.Fixed32:
      return encoded.every((b) => b === 0);
    case WireType.LengthDelimited: {
      const reader = protobuf.Reader.create(encoded);
      const payload = reader.bytes();
      return payload.length === 0 || isEmptyMessage(payload, depth + 1);
    }
    default:
      return false;
  }
}

function isEmptyMessage(payload: Uint8Array, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  try {
    const reader = protobuf.Reader.create(payload);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 0) return false;
      const start = reader.pos;
      reader.skipType(tag & 7);
      if (!isEmptyValue(tag & 7, payload.subarray(start, reader.pos), depth)) return false;
    }
    return true;
  } catch {
    // Not a message (a non-empty string, say): it carries data.
    return false;
  }
}
