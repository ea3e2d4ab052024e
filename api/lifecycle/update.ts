// prepareForUpdate: what the apiserver keeps from the stored object whatever the client sent
// (Kubernetes' BeforeUpdate + each kind's PrepareForUpdate).
//   - uid, creationTimestamp and deletion fields come from the stored object (a uid the client
//     did send is kept, so validation can say "field is immutable");
//   - a missing resourceVersion means an unconditional update against the stored version;
//   - generation is the server's: carried over, +1 when the desired state changed;
//   - writes to the main resource cannot change status; /status writes change only status (a
//     Deployment's also its annotations, as upstream's deployment status strategy allows: the
//     deployment controller records the revision there without bumping the generation);
//     a Namespace's spec.finalizers change only through /finalize; a CertificateSigningRequest
//     follows its own strategy (csr.ts: /approval writes only the conditions); a Pod's
//     spec.ephemeralContainers is all that /ephemeralcontainers writes (upstream's
//     dropNonEphemeralContainerUpdates).

import { errors } from "../errors";
import type { KubeObject } from "../object";
import type { ResourceType } from "../resources";
import { isObj } from "../validation/json";
import type { UpdateContext, UpdateTarget } from "./context";
import { NAMESPACE_MISMATCH } from "./create";
import { prepareCsrUpdate } from "./csr";
import { generationChanged } from "./generation";
import { patchServiceUpdate } from "./service-update";

function target(ctx: UpdateContext): UpdateTarget {
  if (ctx.subresource === "finalize" || ctx.subresource === "approval" || ctx.subresource === "ephemeralcontainers") return ctx.subresource;
  return ctx.statusOnly || ctx.subresource === "status" ? "status" : "main";
}

/** Only the status (or the namespace finalizers, or the ephemeral containers) of `next` over `prev`. */
function subresourceWrite(kind: Exclude<UpdateTarget, "main">, next: KubeObject, prev: KubeObject, objectKind: string): KubeObject {
  const out = structuredClone(prev);
  if (kind === "ephemeralcontainers") {
    const wanted = isObj(next.spec) ? (next.spec as { ephemeralContainers?: unknown }).ephemeralContainers : undefined;
    const spec = (isObj(out.spec) ? out.spec : (out.spec = {})) as { ephemeralContainers?: unknown };
    if (wanted === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = structuredClone(wanted);
    // Upstream keeps the request's identity fields, so validation can say they are immutable.
    for (const f of ["name", "namespace", "uid"] as const) if (next.metadata?.[f] !== undefined) out.metadata[f] = next.metadata[f];
  } else if (kind === "status") {
    if (next.status === undefined) delete out.status;
    else out.status = structuredClone(next.status);
    if (objectKind === "Deployment") {
      const annotations = isObj(next.metadata) ? next.metadata.annotations : undefined;
      if (annotations === undefined) delete out.metadata.annotations;
      else out.metadata.annotations = structuredClone(annotations) as Record<string, string>;
    }
  } else if (kind === "finalize") {
    const finalizers = isObj(next.spec) ? (next.spec as { finalizers?: unknown }).finalizers : undefined;
    const spec = (isObj(out.spec) ? out.spec : (out.spec = {})) as { finalizers?: unknown };
    if (finalizers === undefined) delete spec.finalizers;
    else spec.finalizers = structuredClone(finalizers);
  }
  if (next.metadata?.resourceVersion) out.metadata.resourceVersion = next.metadata.resourceVersion;
  return out;
}

/** A prepared copy of `newObj` replacing `oldObj`. Throws 400 when the namespace disagrees. */
export function prepareForUpdate(r: ResourceType, newObj: KubeObject, oldObj: KubeObject, ctx: UpdateContext): KubeObject {
  const prev = oldObj;
  const write = target(ctx);
  let out: KubeObject;
  if (write !== "main") out = subresourceWrite(write, newObj, prev, r.kind);
  else {
    out = structuredClone(newObj);
    if (!isObj(out.metadata)) out.metadata = {};
    if (r.subresources.includes("status")) {
      if (prev.status === undefined) delete out.status;
      else out.status = structuredClone(prev.status);
    }
    if (r.kind === "Namespace") {
      const oldFinalizers = isObj(prev.spec) ? (prev.spec as { finalizers?: unknown }).finalizers : undefined;
      const spec = (isObj(out.spec) ? out.spec : (out.spec = {})) as { finalizers?: unknown };
      if (oldFinalizers === undefined) delete spec.finalizers;
      else spec.finalizers = structuredClone(oldFinalizers);
    }
    if (r.kind === "Service") patchServiceUpdate(out, prev);
  }
  if (r.kind === "CertificateSigningRequest") prepareCsrUpdate(write === "finalize" || write === "ephemeralcontainers" ? "main" : write, out, newObj, prev, ctx.now);

  const meta = out.metadata;
  const old = prev.metadata;
  if (!r.namespaced) delete meta.namespace;
  else if (!meta.namespace) meta.namespace = old.namespace;
  else if (old.namespace !== undefined && meta.namespace !== old.namespace) throw errors.badRequest(NAMESPACE_MISMATCH);

  if (!meta.resourceVersion && old.resourceVersion) meta.resourceVersion = old.resourceVersion;
  if (old.generation === undefined) delete meta.generation;
  else meta.generation = old.generation + (write === "main" && generationChanged(r.kind, out, prev) ? 1 : 0);
  if (!meta.uid && old.uid) meta.uid = old.uid;
  if (old.creationTimestamp) meta.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) {
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  }
  return out;
}
