// Admission: what every write goes through after authorization, in Kubernetes' order:
//
//   create   kind check → lifecycle (prepareForCreate) → namespace lifecycle (no new objects in
//            a missing or terminating namespace) → mutating admission (a CSR records its
//            requester) → defaults → validation → validating admission → size limit
//   update   kind check → lifecycle (prepareForUpdate: what a subresource may change) → defaults
//            → validation → validating admission → size limit
//   delete, eviction, binding → validating admission on the stored object
//
// Validating admission is the ordered list `ctx.admission` (NodeRestriction first,
// master/auth/node-restriction.ts); a plugin throws the Status that refuses the write. It sees
// who writes, so it holds for kubectl, nodes and the master's own controllers alike. The
// ServiceAccount plugin (mutating, pods) and Pod Security admission (master/pod-security) are
// asynchronous and run in their Kubernetes places: after defaults, and after validation.

import { applyDefaults } from "../../api/defaults";
import { ApiError, errors } from "../../api/errors";
import { prepareForCreate, prepareForUpdate, checkObjectSize } from "../../api/lifecycle";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import { csrSignatureValid, parseCsrRequest } from "../../api/certificates/csr";
import { validateCreate, validateUpdate } from "../../api/validation";
import { forbidden } from "../auth/forbidden";
import { nodeRestrictionProblem, type AdmissionAttributes, type Operation } from "../auth/node-restriction";
import type { User } from "../auth/user";
import { podSecurityAdmission } from "../pod-security/hook";
import type { ApiContext } from "./context";
import { admitServiceAccount } from "./service-account-admission";

export type { AdmissionAttributes, Operation };

const namespaces = findResource("", "v1", "namespaces")!;

/** A validating admission plugin: throws the Status (403, 422, ...) that refuses a write. */
export interface ValidatingAdmission {
  readonly name: string;
  validate(a: AdmissionAttributes): void;
}

/** NodeRestriction: nodes write only their own Node, Lease and the pods bound to them. */
export const nodeRestriction: ValidatingAdmission = {
  name: "NodeRestriction",
  validate(a) {
    const why = nodeRestrictionProblem(a);
    if (why) throw forbidden(a.apiGroup, a.resource, a.name, why);
  },
};

/** The validating admission plugins every ApiContext starts with, in order. */
export function defaultValidatingAdmission(): ValidatingAdmission[] {
  return [nodeRestriction];
}

/** The subresources an update may be written through; "scale" writes the main resource. */
export type UpdateSubresource = "status" | "approval" | "finalize" | "scale" | "ephemeralcontainers";

/** `warnings`: collects what admission wants the client told (Warning headers). */
export async function admitCreate(ctx: ApiContext, r: ResourceType, body: KubeObject, urlNamespace: string | undefined, user: User, warnings?: string[]): Promise<KubeObject> {
  checkKind(r, body);
  const prepared = prepareForCreate(r, body, urlNamespace, lifecycleContext(ctx));
  if (r.namespaced) await checkNamespaceAcceptsObjects(ctx, prepared.metadata.namespace!);
  if (r.kind === "CertificateSigningRequest") recordRequester(prepared, user);
  const defaulted = applyDefaults(r.kind, prepared);
  if (r.kind === "Pod" && r.group === "") await admitServiceAccount(ctx, defaulted, Math.random);
  const causes = validateCreate(r.kind, defaulted);
  if (causes.length === 0 && r.kind === "CertificateSigningRequest" && !(await csrSignatureValid(parseCsrRequest(String((defaulted.spec as { request?: unknown }).request))))) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.request", message: 'Invalid value: "<request data>": x509: signature verification failure: the request is not signed by the key it carries' });
  }
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  runValidating(ctx, r, user, "create", defaulted, undefined, "");
  // Evaluated apart from the push: `warnings?.push(await ...)` would skip admission without a list.
  const podSecurityWarnings = await podSecurityAdmission(ctx, r, { operation: "create", object: defaulted, user });
  warnings?.push(...podSecurityWarnings);
  checkObjectSize(defaulted);
  return defaulted;
}

export async function admitUpdate(ctx: ApiContext, r: ResourceType, body: KubeObject, current: KubeObject, user: User, subresource?: UpdateSubresource, warnings?: string[]): Promise<KubeObject> {
  const target = subresource === "scale" ? undefined : subresource;
  checkKind(r, body);
  const prepared = prepareForUpdate(r, body, current, { ...lifecycleContext(ctx), subresource: target });
  const defaulted = applyDefaults(r.kind, prepared);
  const causes = validateUpdate(r.kind, defaulted, current, target);
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  runValidating(ctx, r, user, "update", defaulted, current, subresource ?? "");
  const podSecurityWarnings = await podSecurityAdmission(ctx, r, { operation: "update", object: defaulted, oldObject: current, subresource: target, user });
  warnings?.push(...podSecurityWarnings);
  checkObjectSize(defaulted);
  return defaulted;
}

/** A delete (or, with subresource "eviction", an eviction) of the stored object `current`. */
export function admitDelete(ctx: ApiContext, r: ResourceType, user: User, current: KubeObject, subresource: "" | "eviction" = ""): void {
  runValidating(ctx, r, user, subresource === "eviction" ? "create" : "delete", undefined, current, subresource);
}

/** A pods/binding create: the Binding object is what admission sees, as in Kubernetes. */
export function admitBindingRequest(ctx: ApiContext, r: ResourceType, user: User, namespace: string, name: string, nodeName: string): void {
  if (ctx.admission.length === 0) return;
  const binding: KubeObject = { apiVersion: "v1", kind: "Binding", metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: nodeName } };
  runValidating(ctx, r, user, "create", binding, undefined, "binding");
}

function runValidating(ctx: ApiContext, r: ResourceType, user: User, operation: Operation, object: KubeObject | undefined, oldObject: KubeObject | undefined, subresource: string): void {
  const meta = (object ?? oldObject)?.metadata;
  const a: AdmissionAttributes = { user, operation, apiGroup: r.group, resource: r.plural, subresource, namespace: meta?.namespace ?? "", name: meta?.name ?? "", object, oldObject };
  for (const plugin of ctx.admission) plugin.validate(a);
}

/** The CSR strategy's PrepareForCreate: the request records who made it, whatever the body says. */
function recordRequester(csr: KubeObject, user: User): void {
  const spec = (typeof csr.spec === "object" && csr.spec !== null ? csr.spec : (csr.spec = {})) as Record<string, unknown>;
  spec.username = user.name;
  spec.groups = [...user.groups];
  delete spec.uid;
  delete spec.extra;
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
