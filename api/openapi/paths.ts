// The REST paths of one resource as OpenAPI operations: list/create/deletecollection on the
// collection, read/replace/patch/delete on an object, and one path per subresource. Each
// operation names its kind in `x-kubernetes-group-version-kind` and its verb in
// `x-kubernetes-action`, as upstream does.

import { subresourceInfo, type GroupVersionKind } from "../discovery/subresources";
import type { ResourceType } from "../resources";
import { DELETE_PARAMS, LIST_PARAMS, P, PATCH_PARAMS, WRITE_PARAMS } from "./parameters";
import { SCHEMA_REF_PREFIX, type MediaTypes, type Operation, type Parameter, type PathItem } from "./types";

/** Resolves a kind to the name of its schema in components.schemas. */
export type SchemaResolver = (gvk: GroupVersionKind) => string;

export const PATCH_CONTENT_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];
const PATCH_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
const STATUS_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
const DELETE_OPTIONS_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";

function json(schemaName: string): MediaTypes {
  return { "application/json": { schema: { $ref: SCHEMA_REF_PREFIX + schemaName } } };
}

function text(contentType: string): MediaTypes {
  return { [contentType]: { schema: { type: "string" } } };
}

function body(content: MediaTypes): Operation["requestBody"] {
  return { content, required: true };
}

function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** "listAppsV1NamespacedDeployment"-style operation ids, unique within a document. */
function opId(r: ResourceType, verb: string, suffix = "", method = ""): string {
  const group = r.group === "" ? "Core" : r.group.split(".")[0].split("-").map(capitalize).join("");
  return `${verb}${group}${capitalize(r.version)}${method}${r.namespaced ? "Namespaced" : ""}${r.kind}${suffix}`;
}

export function basePath(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function resourcePaths(r: ResourceType, schemaFor: SchemaResolver): Record<string, PathItem> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const tags = [`${r.group === "" ? "core" : r.group.split(".")[0]}_${r.version}`];
  const kindSchema = schemaFor(gvk);
  const can = (verb: string) => r.verbs.includes(verb);
  // Create-only kinds (SelfSubjectReview) have no list.
  const listSchema = can("list") ? schemaFor({ ...gvk, kind: r.listKind }) : "";
  const op = (action: string, operationId: string, description: string, responses: Operation["responses"], extra: Partial<Operation> = {}, kind: GroupVersionKind = gvk): Operation => ({
    tags,
    description,
    operationId,
    ...extra,
    responses,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": kind,
  });
  const ok = (content: MediaTypes) => ({ "200": { description: "OK", content } });
  const written = (content: MediaTypes) => ({ "200": { description: "OK", content }, "201": { description: "Created", content } });

  const base = basePath(r.group, r.version);
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const object = `${collection}/{name}`;
  const scope: Parameter[] = r.namespaced ? [P.namespace] : [];
  const paths: Record<string, PathItem> = {};

  const coll: PathItem = { parameters: [...scope, P.pretty] };
  if (can("list")) coll.get = op("list", opId(r, "list"), `list or watch objects of kind ${r.kind}`, ok(json(listSchema)), { parameters: LIST_PARAMS });
  if (can("create")) {
    coll.post = op("post", opId(r, "create"), `create a ${r.kind}`, { ...written(json(kindSchema)), "202": { description: "Accepted", content: json(kindSchema) } }, {
      parameters: WRITE_PARAMS,
      requestBody: body(json(kindSchema)),
    });
  }
  if (can("deletecollection")) {
    coll.delete = op("deletecollection", opId(r, "deletecollection"), `delete collection of ${r.kind}`, ok(json(STATUS_SCHEMA)), {
      parameters: [...LIST_PARAMS.filter((p) => p.name !== "watch" && p.name !== "allowWatchBookmarks"), ...DELETE_PARAMS],
      requestBody: { content: json(DELETE_OPTIONS_SCHEMA), required: false },
    });
  }
  paths[collection] = coll;

  if (r.namespaced && can("list")) {
    paths[`${base}/${r.plural}`] = {
      parameters: [...LIST_PARAMS, P.pretty],
      get: op("list", opId({ ...r, namespaced: false }, "list", "ForAllNamespaces"), `list or watch objects of kind ${r.kind}`, ok(json(listSchema))),
    };
  }

  const item: PathItem = { parameters: [P.name(r.kind), ...scope, P.pretty] };
  if (can("get")) item.get = op("get", opId(r, "read"), `read the specified ${r.kind}`, ok(json(kindSchema)));
  if (can("update")) item.put = op("put", opId(r, "replace"), `replace the specified ${r.kind}`, written(json(kindSchema)), { parameters: WRITE_PARAMS, requestBody: body(json(kindSchema)) });
  if (can("patch")) item.patch = patchOp(op, opId(r, "patch"), `partially update the specified ${r.kind}`, kindSchema);
  if (can("delete")) {
    item.delete = op("delete", opId(r, "delete"), `delete a ${r.kind}`, { ...ok(json(STATUS_SCHEMA)), "202": { description: "Accepted", content: json(STATUS_SCHEMA) } }, {
      parameters: DELETE_PARAMS,
      requestBody: { content: json(DELETE_OPTIONS_SCHEMA), required: false },
    });
  }
  paths[object] = item;

  for (const sub of r.subresources) {
    const info = subresourceInfo(r, sub);
    const subKind = info.responseKind;
    const suffix = capitalize(sub);
    const p: PathItem = { parameters: [P.name(r.kind), ...scope, P.pretty] };
    const has = (verb: string) => info.verbs.includes(verb);
    if (sub === "log") {
      p.get = op("get", opId(r, "read", "Log"), `read log of the specified ${r.kind}`, ok(text("text/plain")), {
        parameters: [P.container("stream logs"), P.follow, P.limitBytes, P.previous, P.sinceSeconds, P.tailLines, P.timestamps],
      }, subKind);
    } else if (sub === "exec" || sub === "attach" || sub === "portforward") {
      const params =
        sub === "portforward" ? [P.ports] : sub === "exec" ? [P.command, P.container("execute the command"), P.stderr, P.stdin, P.stdout, P.tty] : [P.container("attach"), P.stderr, P.stdin, P.stdout, P.tty];
      p.get = op("connect", opId(r, "connect", suffix, "Get"), `connect GET requests to ${sub} of ${r.kind}`, ok(text("*/*")), { parameters: params }, subKind);
      p.post = op("connect", opId(r, "connect", suffix, "Post"), `connect POST requests to ${sub} of ${r.kind}`, ok(text("*/*")), { parameters: params }, subKind);
    } else if (sub === "proxy") {
      // GET only: the agent serves its /metrics there (master/apiserver/node-proxy.ts).
      p.get = op("connect", opId(r, "connect", suffix, "Get"), `connect GET requests to proxy of ${r.kind}`, ok(text("*/*")), { parameters: [P.proxyPath] }, subKind);
      paths[`${object}/${sub}/{path}`] = {
        parameters: [P.name(r.kind), P.proxyPathInPath, ...scope],
        get: op("connect", opId(r, "connect", suffix, "GetWithPath"), `connect GET requests to proxy of ${r.kind}`, ok(text("*/*")), { parameters: [P.proxyPath] }, subKind),
      };
    } else {
      const schema = schemaFor(subKind);
      if (has("get")) p.get = op("get", opId(r, "read", suffix), `read ${sub} of the specified ${r.kind}`, ok(json(schema)), {}, subKind);
      if (has("update")) p.put = op("put", opId(r, "replace", suffix), `replace ${sub} of the specified ${r.kind}`, written(json(schema)), { parameters: WRITE_PARAMS, requestBody: body(json(schema)) }, subKind);
      if (has("patch")) p.patch = patchOp(op, opId(r, "patch", suffix), `partially update ${sub} of the specified ${r.kind}`, schema, subKind);
      if (has("create")) {
        p.post = op("post", opId(r, "create", suffix), `create ${sub} of a ${r.kind}`, { ...written(json(schema)), "202": { description: "Accepted", content: json(schema) } }, {
          parameters: WRITE_PARAMS,
          requestBody: body(json(schema)),
        }, subKind);
      }
    }
    paths[`${object}/${sub}`] = p;
  }
  return paths;
}

type OpBuilder = (action: string, operationId: string, description: string, responses: Operation["responses"], extra?: Partial<Operation>, kind?: GroupVersionKind) => Operation;

function patchOp(op: OpBuilder, operationId: string, description: string, schema: string, kind?: GroupVersionKind): Operation {
  const content: MediaTypes = {};
  for (const t of PATCH_CONTENT_TYPES) content[t] = { schema: { $ref: SCHEMA_REF_PREFIX + PATCH_SCHEMA } };
  return op("patch", operationId, description, { "200": { description: "OK", content: json(schema) }, "201": { description: "Created", content: json(schema) } }, { parameters: PATCH_PARAMS, requestBody: body(content) }, kind);
}
