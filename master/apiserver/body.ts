// Decoding a write's body: JSON, or the Kubernetes protobuf envelope kubectl 1.32's typed
// clients send for `create deployment|namespace|secret|configmap` and `autoscale`.

import type { IncomingMessage } from "node:http";
import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { contentTypeOf, parseJsonBody, readBody } from "./http-io";
import { decodeKubernetesProtobuf, isProtobufContentType } from "./protobuf/decode";

export async function readObjectBody(req: IncomingMessage): Promise<KubeObject> {
  const body = await readBody(req);
  const contentType = contentTypeOf(req);
  let decoded: unknown;
  if (isProtobufContentType(contentType)) {
    const { apiVersion, kind, object } = decodeKubernetesProtobuf(body);
    decoded = { ...object, apiVersion, kind };
  } else if (contentType === "application/json" || contentType === "*/*") {
    decoded = parseJsonBody(body);
  } else {
    throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf (got ${contentType})`);
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    throw errors.badRequest("the request body must be an object");
  }
  return decoded as KubeObject;
}

/** DeleteOptions come as a JSON body, a protobuf body, or query parameters. */
export async function readDeleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const body = await readBody(req);
  let options: DeleteOptions = {};
  if (body.length > 0) {
    const contentType = contentTypeOf(req);
    options = (isProtobufContentType(contentType) ? decodeKubernetesProtobuf(body).object : parseJsonBody(body)) as DeleteOptions;
  }
  const grace = query.get("gracePeriodSeconds");
  if (grace !== null) options.gracePeriodSeconds = Number(grace);
  const propagation = query.get("propagationPolicy");
  if (propagation) options.propagationPolicy = propagation as DeleteOptions["propagationPolicy"];
  if (query.get("orphanDependents") === "true") options.propagationPolicy ??= "Orphan";
  if (query.has("dryRun")) options.dryRun = query.getAll("dryRun");
  return options;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}
