// Subresources: status (writes touch only .status), ephemeralcontainers (a Pod's writes touch
// only spec.ephemeralContainers: kubectl debug), scale (the autoscaling/v1 Scale view of a
// workload's replicas), binding (the scheduler's write), eviction (policy/v1, what drain posts),
// token (a service account's TokenRequest, token-request.ts), and log (streaming/logs.ts), a
// node's proxy (node-proxy.ts: the agent's /metrics); exec, attach and portforward arrive as
// upgrades (streaming/upgrade.ts).

import { errors } from "../../api/errors";
import type { JsonObject, KubeObject } from "../../api/object";
import { applyPatch, decodePatchBody } from "../../api/patch";
import { labelSelectorToString } from "../../api/selectors/label-selector";
import { readBody } from "./http-io";
import { decodeBody, readObjectBody } from "./body";
import type { ResourceRequest } from "./resource-request";
import { getObject, patchObject, updateObject, writeUpdate } from "./crud";
import type { DeleteOptions } from "../registry/deletion";
import { contentTypeOf, sendJson } from "./http-io";
import { serveNodeProxy } from "./node-proxy";
import { agentForPod } from "./streaming/agent-access";
import { serveLogs } from "./streaming/logs";
import { createToken } from "./token-request";

export async function handleSubresource(rr: ResourceRequest, method: string): Promise<void> {
  const sub = rr.subresource!;
  if (!rr.resource.subresources.includes(sub)) {
    throw errors.notFound(rr.resource.group, `${rr.resource.plural}/${sub}`, rr.name!);
  }
  switch (sub) {
    case "status":
    case "approval":
    case "ephemeralcontainers":
      // Each reads the whole object and writes only its part of it (api/lifecycle/update.ts).
      if (method === "GET") return getObject(rr);
      if (method === "PUT") return updateObject(rr, sub);
      if (method === "PATCH") return patchObject(rr, sub);
      break;
    case "scale":
      if (method === "GET") return sendJson(rr.res, 200, toScale(await rr.ctx.storeFor(rr.resource).get(rr.namespace, rr.name!)));
      if (method === "PUT" || method === "PATCH") return writeScale(rr, method);
      break;
    case "binding":
      if (method === "POST") return bindPod(rr);
      break;
    case "eviction":
      if (method === "POST") return evictPod(rr);
      break;
    case "token":
      // serviceaccounts/token: a TokenRequest (`kubectl create token`).
      if (method === "POST") return createToken(rr);
      break;
    case "log":
    case "exec":
    case "attach":
    case "portforward":
      return streamFromNode(rr, method);
    case "proxy":
      return serveNodeProxy(rr, method);
  }
  throw errors.methodNotAllowed(`${method} is not supported on ${rr.resource.plural}/${sub}`);
}

function toScale(obj: KubeObject): JsonObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: JsonObject };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: spec.selector ? labelSelectorToString(spec.selector) : "" },
  };
}

async function writeScale(rr: ResourceRequest, method: string): Promise<void> {
  const raw = await readBody(rr.req);
  const contentType = contentTypeOf(rr.req);
  const body = method === "PUT" ? await decodeBody(raw, contentType) : decodePatchBody(contentType, raw);
  const updated = await writeUpdate(rr, method === "PUT" ? "update" : "patch", "scale", (current) => {
    const scale = toScale(current);
    const next = (method === "PUT" ? body : applyPatch(contentType, "Scale", scale, body)) as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
    const replicas = next.spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid("autoscaling", "Scale", rr.name!, [{ reason: "FieldValueInvalid", field: "spec.replicas", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const wanted = next.metadata?.resourceVersion;
    if (method === "PUT" && wanted && wanted !== current.metadata.resourceVersion) {
      throw errors.conflict(rr.resource.group, rr.resource.plural, rr.name!, "the object has been modified; please apply your changes to the latest version and try again");
    }
    return { ...current, spec: { ...(current.spec as JsonObject), replicas } };
  });
  sendJson(rr.res, 200, toScale(updated));
}

async function bindPod(rr: ResourceRequest): Promise<void> {
  const binding = await readObjectBody(rr.req);
  const target = (binding.target ?? {}) as { name?: string; kind?: string };
  // Binding is the one write allowed to set spec.nodeName (pod updates may not change it).
  await rr.ctx.registry.bind(rr.user, rr.namespace!, rr.name!, target.name ?? "");
  sendJson(rr.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

async function evictPod(rr: ResourceRequest): Promise<void> {
  const eviction = await readObjectBody(rr.req);
  const options = (eviction.deleteOptions ?? {}) as DeleteOptions;
  await rr.ctx.registry.evict(rr.user, rr.namespace!, rr.name!, options);
  sendJson(rr.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}

async function streamFromNode(rr: ResourceRequest, method: string): Promise<void> {
  if (rr.subresource === "log") {
    if (method !== "GET") throw errors.methodNotAllowed(`${method} is not supported on pods/log`);
    return serveLogs(rr);
  }
  // exec, attach and portforward arrive as protocol upgrades (streaming/upgrade.ts); a plain
  // request reaching this point did not ask for one.
  await agentForPod(rr.ctx, rr.namespace, rr.name!);
  throw errors.badRequest("Upgrade request required");
}
