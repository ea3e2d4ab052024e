// prepareForCreate: what the apiserver decides on create, whatever the client sent (Kubernetes'
// BeforeCreate + each kind's PrepareForCreate): the namespace comes from the URL, system fields
// (uid, creationTimestamp) are set, deletion fields and resourceVersion are dropped, a
// generateName becomes a name, status starts from zero, and generation starts at 1.

import { errors } from "../errors";
import type { KubeObject } from "../object";
import type { ResourceType } from "../resources";
import { isObj } from "../validation/json";
import { type LifecycleContext, formatTimestamp } from "./context";
import { generateName } from "./generate-name";
import { GENERATION_KINDS } from "./generation";
import { generateJobSelector } from "./job-selector";
import { resetStatusForCreate } from "./status";

export const NAMESPACE_MISMATCH = "the namespace of the provided object does not match the namespace sent on the request";
const KUBERNETES_FINALIZER = "kubernetes";

/**
 * The namespace rule of Kubernetes' EnsureObjectNamespaceMatchesRequestNamespace: an object
 * without a namespace takes the request's; a cluster-scoped object loses any namespace; any
 * other disagreement is a 400. `requestNamespace` undefined (an internal caller with no URL)
 * keeps the object's own namespace.
 */
export function resolveNamespace(r: ResourceType, obj: KubeObject, requestNamespace: string | undefined): void {
  const meta = obj.metadata;
  if (!r.namespaced) {
    delete meta.namespace;
    return;
  }
  if (requestNamespace === undefined || meta.namespace === requestNamespace) return;
  if (!meta.namespace) meta.namespace = requestNamespace;
  else throw errors.badRequest(NAMESPACE_MISMATCH);
}

/** Namespaces are created with the "kubernetes" finalizer, which the namespace controller removes. */
function prepareNamespace(ns: KubeObject): void {
  const spec = (isObj(ns.spec) ? ns.spec : (ns.spec = {})) as { finalizers?: unknown };
  const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
  spec.finalizers = finalizers.includes(KUBERNETES_FINALIZER) ? finalizers : [...finalizers, KUBERNETES_FINALIZER];
}

/** A prepared copy of `obj`, ready for defaults and validation. Throws 400 on a namespace mismatch. */
export function prepareForCreate(r: ResourceType, obj: KubeObject, namespace: string | undefined, ctx: LifecycleContext): KubeObject {
  const out = structuredClone(obj);
  if (!isObj(out.metadata)) out.metadata = {};
  const meta = out.metadata;
  resolveNamespace(r, out, namespace);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  // Kubernetes refuses a resourceVersion on create; Gantry ignores it, since the store assigns one.
  delete meta.resourceVersion;

  resetStatusForCreate(r.kind, out);
  if (GENERATION_KINDS.has(r.kind)) meta.generation = 1;
  if (r.kind === "Namespace") prepareNamespace(out);

  meta.uid = ctx.newUid();
  meta.creationTimestamp = formatTimestamp(ctx.now);
  if (meta.generateName && !meta.name) meta.name = generateName(meta.generateName, ctx.random);

  // Needs the final name and uid, so it runs last.
  if (r.kind === "Job") generateJobSelector(out);
  return out;
}
