// The verbs on a resource collection or object: get, list, create, update, patch, delete,
// deletecollection. Watch lives in watch.ts, subresources in subresources.ts. Each write decodes
// the request, checks its fields against the schema, and hands it to the registry
// (master/registry), which authorizes, admits and stores it as the request's user.

import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { applyPatch, decodePatchBody } from "../../api/patch";
import type { UpdateSubresource } from "../registry/admission";
import { readDeleteOptions, readObjectBody } from "./body";
import type { ResourceRequest } from "./resource-request";
import { FieldChecker, parseFieldValidation, strictDecodingError, typeMismatchError, unknownFieldWarnings, type FieldValidation } from "./field-validation";
import { contentTypeOf, readBody, sendJson, successStatus } from "./http-io";
import { loadSchemas } from "./openapi/openapi-v3";
import { isProtobufContentType } from "./protobuf/decode";
import { listOf, sendList, sendObject } from "./representation";
import { selectorFilter } from "./selectors";
import { addWarningHeaders, addWarnings } from "./warnings";

export async function getObject(rr: ResourceRequest): Promise<void> {
  const obj = await rr.ctx.storeFor(rr.resource).get(rr.namespace, rr.name!);
  sendObject(rr, 200, obj);
}

export async function listObjects(rr: ResourceRequest): Promise<void> {
  const q = rr.url.searchParams;
  const parsedLimit = Number(q.get("limit") ?? "0");
  const limit = Number.isFinite(parsedLimit) && parsedLimit > 0 ? parsedLimit : undefined;
  const list = await rr.ctx.storeFor(rr.resource).list(rr.namespace, {
    limit,
    continue: q.get("continue") || undefined,
    resourceVersion: exactListRevision(q.get("resourceVersion") ?? "", q.get("resourceVersionMatch") ?? "", limit),
    filter: selectorFilter(rr.resource.kind, q),
  });
  sendList(rr, list);
}

/**
 * The revision a list must be read at, or undefined for "the latest": what kube-apiserver serves
 * without a watch cache. `resourceVersionMatch=Exact` reads at the revision; so does a paged list
 * (`limit`) with a resourceVersion and no match (the legacy exact case). "0" means any version;
 * `NotOlderThan` is always met by the latest. A compacted revision is then 410 Expired.
 */
function exactListRevision(rv: string, match: string, limit: number | undefined): string | undefined {
  if (rv === "" || rv === "0") return undefined;
  if (match === "Exact" || (match === "" && limit !== undefined)) return rv;
  return undefined;
}

function isDryRun(rr: ResourceRequest): boolean {
  return rr.url.searchParams.getAll("dryRun").includes("All");
}

let fieldChecker: FieldChecker | undefined;

/**
 * Checks an object a request carries (a create or update body, or a patched object) against its
 * schema: a value of the wrong JSON type is a 400 whatever the directive (Kubernetes' decoder
 * refuses it); unknown fields follow fieldValidation: Strict throws 400, Warn sets Warning headers
 * and drops the fields. `current`, for patches, is the stored object: what it already has was not
 * introduced by the patch.
 */
function checkFields(rr: ResourceRequest, validation: FieldValidation, obj: KubeObject, current?: KubeObject): void {
  fieldChecker ??= new FieldChecker(loadSchemas());
  const { group, version, kind } = rr.resource;
  let { unknown, mismatches } = fieldChecker.inspect(group, version, kind, obj);
  if (unknown.length === 0 && mismatches.length === 0) return;
  let prune = validation === "Warn";
  if (current) {
    const before = fieldChecker.inspect(group, version, kind, current);
    const oldUnknown = new Set(before.unknown);
    const oldMismatches = new Set(before.mismatches.map((m) => m.path));
    unknown = unknown.filter((f) => !oldUnknown.has(f));
    mismatches = mismatches.filter((m) => !oldMismatches.has(m.path));
    if (oldUnknown.size > 0) prune = false; // keep what was stored before; drop nothing we cannot tell apart
  }
  if (mismatches.length > 0) throw typeMismatchError(kind, version, mismatches[0]);
  if (validation === "Ignore" || unknown.length === 0) return;
  if (validation === "Strict") throw strictDecodingError(kind, version, unknown);
  if (prune) fieldChecker.unknownFields(group, version, kind, obj, true);
  addWarningHeaders(rr.res, unknownFieldWarnings(unknown));
}

/** The directive for a JSON or YAML body; protobuf bodies cannot carry unknown fields. */
function bodyFieldValidation(rr: ResourceRequest): FieldValidation {
  const validation = parseFieldValidation(rr.url.searchParams);
  return isProtobufContentType(contentTypeOf(rr.req)) ? "Ignore" : validation;
}

export async function createObject(rr: ResourceRequest): Promise<void> {
  const validation = bodyFieldValidation(rr);
  const body = await readObjectBody(rr.req);
  checkFields(rr, validation, body);
  const warnings: string[] = [];
  const created = await rr.ctx.registry.create(rr.user, rr.resource, body, { namespace: rr.namespace, dryRun: isDryRun(rr), warnings });
  addWarnings(rr.res, warnings);
  sendObject(rr, 201, created);
}

/** The subresource a PUT or PATCH writes through: status, approval, ephemeralcontainers, or the main resource. */
export type WriteTarget = UpdateSubresource | undefined;

/** PUT: replace the object. A resourceVersion in the body makes it a compare-and-swap. */
export async function updateObject(rr: ResourceRequest, target?: WriteTarget): Promise<void> {
  const validation = bodyFieldValidation(rr);
  const body = await readObjectBody(rr.req);
  checkFields(rr, validation, body);
  body.metadata ??= {};
  if (body.metadata.name !== undefined && body.metadata.name !== rr.name) {
    throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${rr.name})`);
  }
  const expected = body.metadata.resourceVersion || undefined;
  const updated = await writeUpdate(rr, "update", target, (current) => {
    if (expected && expected !== current.metadata.resourceVersion) {
      throw errors.conflict(rr.resource.group, rr.resource.plural, rr.name!, "the object has been modified; please apply your changes to the latest version and try again");
    }
    return { ...body, metadata: { ...body.metadata, name: rr.name, namespace: rr.namespace } };
  });
  sendObject(rr, 200, updated);
}

export async function patchObject(rr: ResourceRequest, target?: WriteTarget): Promise<void> {
  const contentType = contentTypeOf(rr.req);
  const validation = parseFieldValidation(rr.url.searchParams);
  const patch = decodePatchBody(contentType, await readBody(rr.req));
  const updated = await writeUpdate(rr, "patch", target, (current) => {
    const patched = applyPatch(contentType, rr.resource.kind, current, patch) as KubeObject;
    checkFields(rr, validation, patched, current);
    const wanted = patched.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) {
      throw errors.conflict(rr.resource.group, rr.resource.plural, rr.name!, "the object has been modified; please apply your changes to the latest version and try again");
    }
    return patched;
  });
  sendObject(rr, 200, updated);
}

/**
 * Read-modify-write of one object through the registry: `change` maps the current object to the
 * requested one; the result passes admission and is written with compare-and-swap, retried when
 * another writer won.
 */
export async function writeUpdate(rr: ResourceRequest, verb: "update" | "patch", target: WriteTarget, change: (current: KubeObject) => KubeObject): Promise<KubeObject> {
  const warnings: string[] = [];
  const updated = await rr.ctx.registry.update(rr.user, { resource: rr.resource, namespace: rr.namespace, name: rr.name! }, change, { verb, subresource: target, dryRun: isDryRun(rr), warnings });
  addWarnings(rr.res, warnings);
  return updated;
}

export async function deleteOne(rr: ResourceRequest): Promise<void> {
  const options = await readDeleteOptions(rr.req, rr.url.searchParams);
  const outcome = await rr.ctx.registry.delete(rr.user, { resource: rr.resource, namespace: rr.namespace, name: rr.name! }, options);
  // Kubernetes answers 200 with the object, or 202 when deletion continues in the background.
  sendObject(rr, outcome.deleted ? 200 : 202, outcome.object);
}

export async function deleteCollection(rr: ResourceRequest): Promise<void> {
  const options = await readDeleteOptions(rr.req, rr.url.searchParams);
  const { deleted, resourceVersion } = await rr.ctx.registry.deleteCollection(rr.user, rr.resource, rr.namespace, selectorFilter(rr.resource.kind, rr.url.searchParams), options);
  if (deleted.length === 0) {
    sendJson(rr.res, 200, successStatus());
    return;
  }
  sendJson(rr.res, 200, listOf(rr.resource, deleted, { resourceVersion }));
}
