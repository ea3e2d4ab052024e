// The write path every create and update goes through, in Kubernetes' order:
// metadata rules -> defaults -> validation -> size limit. Also the namespace lifecycle checks
// (no new objects in a missing or terminating namespace).

import { applyDefaults } from "../../api/defaults";
import { ApiError, errors } from "../../api/errors";
import { prepareForCreate, prepareForUpdate, checkObjectSize } from "../../api/lifecycle";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import { validateCreate, validateUpdate } from "../../api/validation";
import type { ApiContext } from "./context";

const namespaces = findResource("", "v1", "namespaces")!;

export async function admitCreate(ctx: ApiContext, r: ResourceType, body: KubeObject, urlNamespace: string | undefined): Promise<KubeObject> {
  checkKind(r, body);
  const prepared = prepareForCreate(r, body, urlNamespace, lifecycleContext(ctx));
  if (r.namespaced) await checkNamespaceAcceptsObjects(ctx, prepared.metadata.namespace!);
  const defaulted = applyDefaults(r.kind, prepared);
  const causes = validateCreate(r.kind, defaulted);
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  checkObjectSize(defaulted);
  return defaulted;
}

/** Subresources whose writes replace part of the stored object (api/lifecycle/update.ts). */
export type WriteSubresource = "status" | "ephemeralcontainers";

/** `subresource`: the write came through /status (`true` says the same) or /ephemeralcontainers. */
export function admitUpdate(ctx: ApiContext, r: ResourceType, body: KubeObject, current: KubeObject, subresource: boolean | WriteSubresource = false): KubeObject {
  checkKind(r, body);
  const sub = subresource === true ? "status" : subresource || undefined;
  const prepared = prepareForUpdate(r, body, current, { ...lifecycleContext(ctx), subresource: sub });
  const defaulted = applyDefaults(r.kind, prepared);
  const causes = validateUpdate(r.kind, defaulted, current, sub);
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  checkObjectSize(defaulted);
  return defaulted;
}

function lifecycleContext(ctx: ApiContext) {
  return { now: ctx.clock.now(), newUid: ctx.newUid, random: Math.random };
}

function checkKind(r: ResourceType, body: KubeObject): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw errors.badRequest("the request body must be a JSON object");
  }
  if (typeof body.metadata !== "object" || body.metadata === null) body.metadata = {};
  if (body.kind !== undefined && body.kind !== r.kind) {
    throw errors.badRequest(`the kind of the body (${body.kind}) does not match the resource ${r.plural} (${r.kind})`);
  }
}

async function checkNamespaceAcceptsObjects(ctx: ApiContext, namespace: string): Promise<void> {
  // The cache answers nearly always; a namespace created a moment ago may not be in it yet.
  let ns: KubeObject | undefined = ctx.namespaces.get(namespace);
  if (!ns) {
    try {
      ns = await ctx.storeFor(namespaces).get(undefined, namespace);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) throw errors.notFound("", "namespaces", namespace);
      throw err;
    }
  }
  if (ns.metadata.deletionTimestamp) {
    throw new ApiError(403, "Forbidden", `unable to create new content in namespace ${namespace} because it is being terminated`, {
      name: namespace,
      kind: "namespaces",
      causes: [{ reason: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" }],
    });
  }
}
