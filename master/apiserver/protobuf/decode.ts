// Decodes a Kubernetes protobuf request body (`Content-Type: application/vnd.kubernetes.protobuf`)
// into the JSON object the rest of the apiserver handles. Responses stay JSON: kubectl accepts
// them, since it sends `Accept: application/vnd.kubernetes.protobuf,application/json`.
//
// Body layout (see /work/shared/kubectl-wire.md, "Protobuf"):
//   6b 38 73 00                      magic, "k8s\0"
//   runtime.Unknown {
//     1: TypeMeta { 1: apiVersion, 2: kind }
//     2: raw        the object, e.g. an apps/v1 Deployment message
//     3: contentEncoding, 4: contentType   both empty from kubectl
//   }
import { decodeJson } from "../../../api/decode/json";
import { ApiError, errors } from "../../../api/errors";
import { defaultKubernetesSchema, type KubernetesSchema } from "./schema";
import { messageToJson } from "./to-json";
import { findUnknownFields } from "./unknown-fields";

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object in Kubernetes JSON form, with `kind` and `apiVersion` set. */
  object: Record<string, unknown>;
}

/** True for `application/vnd.kubernetes.protobuf`, with or without parameters. */
export function isProtobufContentType(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return contentType.split(";")[0].trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

/**
 * Decodes one protobuf body. Throws ApiError: 400 BadRequest for a malformed body or one that
 * sets fields Gantry's schema lacks; 415 UnsupportedMediaType for a kind Gantry cannot decode
 * from protobuf or an encoding it does not support (the client can send JSON instead).
 */
export function decodeKubernetesProtobuf(body: Uint8Array, schema: KubernetesSchema = defaultKubernetesSchema()): DecodedObject {
  if (body.length < MAGIC.length || !MAGIC.equals(Buffer.from(body.subarray(0, MAGIC.length)))) {
    throw errors.badRequest(`protobuf body must start with the bytes 6b 38 73 00 ("k8s\\0")`);
  }
  const envelope = guard("the runtime.Unknown envelope", () => schema.unknown.decode(body.subarray(MAGIC.length))) as unknown as Envelope;
  const apiVersion = envelope.typeMeta?.apiVersion ?? "";
  const kind = envelope.typeMeta?.kind ?? "";
  if (!apiVersion || !kind) throw errors.badRequest("protobuf body does not name the object's apiVersion and kind");
  const raw = envelope.raw ?? new Uint8Array();
  if (envelope.contentEncoding) {
    throw errors.unsupportedMediaType(`protobuf body for ${kind} (${apiVersion}) uses content encoding "${envelope.contentEncoding}"; send it unencoded or as JSON`);
  }
  const rawType = envelope.contentType ? envelope.contentType.split(";")[0].trim().toLowerCase() : PROTOBUF_CONTENT_TYPE;
  if (rawType === "application/json") return { apiVersion, kind, object: embeddedJson(raw, apiVersion, kind) };
  if (rawType !== PROTOBUF_CONTENT_TYPE) {
    throw errors.unsupportedMediaType(`protobuf body for ${kind} (${apiVersion}) wraps content type "${envelope.contentType}"; send it as JSON`);
  }

  const type = schema.typeFor(apiVersion, kind);
  if (!type) {
    throw errors.unsupportedMediaType(
      `cannot decode ${kind} (${apiVersion}) from protobuf: Gantry decodes protobuf only for ` +
        `${schema.kinds.map((k) => k.slice(k.lastIndexOf("/") + 1)).join(", ")} and DeleteOptions; send it as JSON (Content-Type: application/json)`,
    );
  }
  // The server resets status on create, so fields in it that Gantry does not model are dropped.
  const unknown = guard(kind, () => findUnknownFields(type, raw)).filter((u) => !/^status(\.|\[|$)/.test(u.path));
  if (unknown.length > 0) {
    const list = unknown.map((u) => `${u.path || "(top level)"}: field ${u.field} of ${u.type}`).join("; ");
    throw errors.badRequest(`protobuf body for ${kind} sets fields Gantry does not decode (${list}); send the object as JSON instead`);
  }
  const message = guard(kind, () => type.decode(raw)) as unknown as Record<string, unknown>;
  const fields = messageToJson(type, message, { embedded: (bytes) => decodeKubernetesProtobuf(bytes, schema).object });
  return { apiVersion, kind, object: { kind, apiVersion, ...fields } };
}

interface Envelope {
  typeMeta?: { apiVersion?: string; kind?: string };
  raw?: Uint8Array;
  contentEncoding?: string;
  contentType?: string;
}

function embeddedJson(raw: Uint8Array, apiVersion: string, kind: string): Record<string, unknown> {
  const parsed = decodeJson(raw, `the JSON in the protobuf body for ${kind}`);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw errors.badRequest(`protobuf body for ${kind} wraps JSON that is not an object`);
  }
  // The envelope's TypeMeta names the object, as it does for protobuf content.
  return Object.assign({ kind, apiVersion }, parsed, { kind, apiVersion });
}

/** Runs a decoding step, turning protobufjs/JSON failures into 400s that name what failed. */
function guard<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // protobufjs recurses into nested groups of unknown fields; only a crafted body gets this deep.
    if (err instanceof RangeError && /call stack/.test(err.message)) throw errors.badRequest(`protobuf body for ${what} is nested too deeply`);
    throw errors.badRequest(`protobuf body for ${what} is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
