// Converts a message decoded by protobufjs into the JSON object Kubernetes' own JSON encoding
// would produce for the same Go value, with "unset" left out instead of written as null/"".
//
// The rules (the schema's `optional`, `inline` and `json_name` annotations drive them; see
// schema/meta.proto):
//   scalar            zero dropped, unless `optional` (a Go pointer: replicas: 0 is kept)
//   int64             a JSON number
//   bytes             base64, as Go's encoding/json writes []byte
//   repeated, map     dropped when empty
//   message           kept when on the wire, even if empty (`resources: {}`)
//   inline message    its members are merged into the parent (LocalObjectReference's `name`)
//   Time              RFC 3339, whole seconds; the zero time (Go: null) is dropped
//   MicroTime         RFC 3339 with microseconds; zero dropped
//   IntOrString       the number or the string; zero dropped unless `optional`
//   Quantity          its string; zero dropped unless `optional` or a map value ("0")
//   FieldsV1          the JSON document its bytes hold
//   RawExtension      the JSON document its bytes hold, or an embedded protobuf object
//   ExtraValue        the list of strings it holds (Go: a named []string; user extras)
import * as protobuf from "protobufjs";
import { decodeJson } from "../../../api/decode/json";
import { errors } from "../../../api/errors";

export interface ToJsonOptions {
  /** Converts RawExtension bytes that start with the protobuf magic (a nested object). */
  embedded?: (raw: Uint8Array) => unknown;
}

type Decoded = Record<string, unknown>;

const META = ".k8s.io.apimachinery.pkg.apis.meta.v1";
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = ".k8s.io.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY = ".k8s.io.apimachinery.pkg.api.resource.Quantity";
const RAW_EXTENSION = ".k8s.io.apimachinery.pkg.runtime.RawExtension";
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

export function messageToJson(type: protobuf.Type, message: Decoded, options: ToJsonOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of planFor(type)) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = fieldToJson(field, message[field.name], options);
    if (value === undefined) continue;
    if (field.inline && isObject(value)) Object.assign(out, value);
    else out[field.json] = value;
  }
  return out;
}

/** The field is a Go pointer: presence, not the value, says whether it is set. */
export function isPointer(field: protobuf.Field): boolean {
  return field.options?.proto3_optional === true;
}

/** The JSON member name: `[json_name = "uid"]` where upstream's proto name is not it (`uID`). */
export function jsonNameOf(field: protobuf.Field): string {
  const explicit = field.options?.json_name;
  return typeof explicit === "string" ? explicit : field.name;
}

export function isInline(field: protobuf.Field): boolean {
  return field.options?.["(gantry.k8s.inline)"] === true;
}

type Special = "time" | "microTime" | "intOrString" | "quantity" | "fieldsV1" | "rawExtension" | "stringList";

const SPECIAL: Readonly<Record<string, Special>> = {
  [TIME]: "time",
  [MICRO_TIME]: "microTime",
  [INT_OR_STRING]: "intOrString",
  [QUANTITY]: "quantity",
  [FIELDS_V1]: "fieldsV1",
  [RAW_EXTENSION]: "rawExtension",
  // Go's ExtraValue is a named []string: a message holding `items` on the wire, the list in JSON.
  ".k8s.io.api.authentication.v1.ExtraValue": "stringList",
  ".k8s.io.api.authorization.v1.ExtraValue": "stringList",
};

/** What conversion needs to know of a field, worked out once per type (reflection is slow). */
interface FieldPlan {
  name: string;
  /** The JSON member: the field's `json_name` option where the Go field name differs (`uID` → `uid`). */
  json: string;
  map: boolean;
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
  /** The message type of the field (or of a map's values); undefined for scalars. */
  message?: protobuf.Type;
  special?: Special;
}

const plans = new WeakMap<protobuf.Type, FieldPlan[]>();

function planFor(type: protobuf.Type): FieldPlan[] {
  let plan = plans.get(type);
  if (!plan) {
    plan = type.fieldsArray.map((field) => {
      const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
      return {
        name: field.name,
        json: jsonNameOf(field),
        map: field.map,
        repeated: field.repeated,
        pointer: isPointer(field),
        inline: isInline(field),
        message,
        special: message ? SPECIAL[message.fullName] : undefined,
      };
    });
    plans.set(type, plan);
  }
  return plan;
}

function fieldToJson(field: FieldPlan, value: unknown, options: ToJsonOptions): unknown {
  if (value === null || value === undefined) return undefined;
  if (field.map) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v, true, options)]));
  }
  if (field.repeated) {
    const items = value as unknown[];
    if (items.length === 0) return undefined;
    return items.map((v) => valueToJson(field, v, true, options));
  }
  return valueToJson(field, value, field.pointer, options);
}

/** `keepZero`: the value is set even if zero (a pointer, a list element or a map value). */
function valueToJson(field: FieldPlan, value: unknown, keepZero: boolean, options: ToJsonOptions): unknown {
  if (field.message) {
    const message = value as Decoded;
    switch (field.special) {
      case "time":
        return timeToJson(message, false);
      case "microTime":
        return timeToJson(message, true);
      case "intOrString":
        return intOrStringToJson(message, keepZero);
      case "quantity":
        return quantityToJson(message, keepZero);
      case "fieldsV1":
        return rawJson(message.Raw, "metadata.managedFields[].fieldsV1", options);
      case "rawExtension":
        return rawJson(message.raw, "an embedded object", options);
      case "stringList":
        return [...((message.items as string[] | undefined) ?? [])];
      default:
        return messageToJson(field.message, message, options);
    }
  }
  if (!keepZero && isZeroScalar(value)) return undefined;
  return scalarToJson(value);
}

function scalarToJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (isLong(value)) return value.toNumber();
  return value;
}

function isZeroScalar(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 0;
  if (isLong(value)) return value.isZero();
  return value === "" || value === 0 || value === false;
}

function timeToJson(message: Decoded, micro: boolean): string | undefined {
  const seconds = toNumber(message.seconds);
  const nanos = toNumber(message.nanos);
  // Go writes the zero time as an empty message; it means "unset" (JSON null).
  if (seconds === 0 && nanos === 0) return undefined;
  // Go's RFC 3339 formatting covers years 0001-9999, as does toISOString without a sign.
  if (!(seconds >= -62135596800 && seconds <= 253402300799)) {
    throw errors.badRequest(`protobuf body: timestamp ${seconds}s is outside years 0001-9999`);
  }
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${whole}Z`;
}

function intOrStringToJson(message: Decoded, keepZero: boolean): number | string | undefined {
  const isString = toNumber(message.type) === 1;
  const value = isString ? String(message.strVal ?? "") : toNumber(message.intVal);
  if (!keepZero && (value === "" || value === 0)) return undefined;
  return value;
}

function quantityToJson(message: Decoded, keepZero: boolean): string | undefined {
  const text = String(message.string ?? "");
  if (text === "" && !keepZero) return undefined;
  // Go's Quantity marshals its zero value as "0".
  return text === "" ? "0" : text;
}

function rawJson(raw: unknown, what: string, options: ToJsonOptions): unknown {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
  if (MAGIC.every((b, i) => raw[i] === b)) {
    if (!options.embedded) throw errors.badRequest(`protobuf body: ${what} holds a nested protobuf object, which is not supported here`);
    return options.embedded(raw);
  }
  return decodeJson(raw, `protobuf body: ${what} (which must hold JSON)`);
}

interface LongLike {
  toNumber(): number;
  isZero(): boolean;
}

function isLong(value: unknown): value is LongLike {
  return typeof value === "object" && value !== null && typeof (value as LongLike).toNumber === "function";
}

function toNumber(value: unknown): number {
  if (isLong(value)) return value.toNumber();
  return typeof value === "number" ? value : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
