// Decoding a write's body: JSON, YAML, or the Kubernetes protobuf envelope kubectl 1.32's typed
// clients send for `create deployment|namespace|secret|configmap` and `autoscale`. Every body goes
// through decodeBody, so the nesting limit (api/decode/nesting.ts) holds for all of them before
// anything recursive (field validation, defaults, patches, JSON.stringify) sees the object.

import type { IncomingMessage } from "node:http";
import { decodeJson, tooDeep } from "../../api/decode/json";
import { MAX_NESTING_DEPTH, nestingDepth } from "../../api/decode/nesting";
import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import type { DeleteOptions } from "../registry/deletion";
import { contentTypeOf, readBody } from "./http-io";
import { decodeKubernetesProtobuf, isProtobufContentType, PROTOBUF_CONTENT_TYPE } from "./protobuf/decode";
import { parseBoolParam } from "./query-params";
import { YamlDecoder } from "./yaml-decoder";

export const YAML_CONTENT_TYPE = "application/yaml";

const yaml = new YamlDecoder();

/** Decodes a body by its media type (already lower-cased, without parameters). Throws 400 or 415. */
export async function decodeBody(body: Buffer, contentType: string, what = "the request body"): Promise<unknown> {
  if (isProtobufContentType(contentType)) {
    const { apiVersion, kind, object } = decodeKubernetesProtobuf(body);
    // Embedded JSON (managedFields) was decoded with the limit; this counts the whole object.
    if (nestingDepth(object) > MAX_NESTING_DEPTH) throw tooDeep(what, MAX_NESTING_DEPTH);
    return { ...object, apiVersion, kind };
  }
  if (contentType === "application/json" || contentType === "*/*") return decodeJson(body, what);
  if (contentType === YAML_CONTENT_TYPE) return yaml.decode(body, what);
  throw errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: application/json, ${YAML_CONTENT_TYPE}, ${PROTOBUF_CONTENT_TYPE} (got ${contentType})`,
  );
}

export async function readObjectBody(req: IncomingMessage): Promise<KubeObject> {
  const decoded = await decodeBody(await readBody(req), contentTypeOf(req));
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    throw errors.badRequest("the request body must be an object");
  }
  return decoded as KubeObject;
}

/** DeleteOptions come as a body (JSON, YAML or protobuf) or as query parameters. */
export async function readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const body = await readBody(req);
  let options: DeleteOptions = {};
  if (body.length > 0) {
    const decoded = await decodeBody(body, contentTypeOf(req), "the DeleteOptions body");
    if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) throw errors.badRequest("the DeleteOptions body must be an object");
    options = decoded as DeleteOptions;
  }
  const grace = query.get("gracePeriodSeconds");
  if (grace !== null) options.gracePeriodSeconds = Number(grace);
  const propagation = query.get("propagationPolicy");
  if (propagation) options.propagationPolicy = propagation as DeleteOptions["propagationPolicy"];
  if (parseBoolParam(query, "orphanDependents")) options.propagationPolicy ??= "Orphan";
  if (query.has("dryRun")) options.dryRun = query.getAll("dryRun");
  return options;
}
