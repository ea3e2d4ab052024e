// The write path every create and update goes through, in Kubernetes' order:
// metadata rules -> defaults -> validation -> size limit. Also the namespace lifecycle checks
// (no new objects in a missing or terminating namespace), and for requests from clients (a
// `user` is given) the admission that depends on who asks: NodeRestriction for nodes
// (master/auth/node-restriction.ts) and the requester recorded in a CertificateSigningRequest.
// Pod Security admission (master/pod-security) applies to every writer, controllers included.

import { applyDefaults } from "../../api/defaults";
import { ApiError, errors } from "../../api/errors";
import { prepareForCreate, prepareForUpdate, checkObjectSize } from "../../api/lifecycle";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import { csrSignatureValid, parseCsrRequest } from "../../api/certificates/csr";
import { validateCreate, validateUpdate } from "../../api/validation";
import { forbidden } from "../auth/forbidden";
import { nodeRestrictionProblem, type Operation } from "../auth/node-restriction";
import type { User } from "../auth/user";
import { podSecurityAdmission } from "../pod-security/hook";
import type { ApiContext } from "./context";
import { admitServiceAccount } from "./service-account-admission";

const namespaces = findResource("", "v1", "namespaces")!;

/**
 * `user`: who asked, for requests from clients; internal writers (controllers) pass none.
 * `warnings`: collects what admission wants the client told (Warning headers).
 */
export async function admitCreate(ctx: ApiContext, r: ResourceType, body: KubeObject, urlNamespace: string | undefined, user?: User, warnings?: string[]): Promise<KubeObject> {
  checkKind(r, body);
  const prepared = prepareForCreate(r, body, urlNamespace, lifecycleContext(ctx));
  if (r.namespaced) await checkNamespaceAcceptsObjects(ctx, prepared.metadata.namespace!);
  if (user && r.kind === "CertificateSigningRequest") recordRequester(prepared, user);
  const defaulted = applyDefaults(r.kind, prepared);
  if (r.kind === "Pod" && r.group === "") await admitServiceAccount(ctx, defaulted, Math.random);
  const causes = validateCreate(r.kind, defaulted);
  if (causes.length === 0 && r.kind === "CertificateSigningRequest" && !(await csrSignatureValid(parseCsrRequest(String((defaulted.spec as { request?: unknown }).request))))) {
    causes.push({ reason: "FieldValueInvalid", field: "spec.request", message: 'Invalid value: "<request data>": x509: signature verification failure: the request is not signed by the key it carries' });
  }
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  if (user) checkNodeRestriction(r, user, "create", defaulted);
  const podSecurityWarnings = await podSecurityAdmission(ctx, r, { operation: "create", object: defaulted, user });
  warnings?.push(...podSecurityWarnings);
  checkObjectSize(defaulted);
  return defaulted;
}

export interface UpdateWrite {
  /** The subresource written through (default: the main resource). */
  subresource?: "status" | "approval" | "ephemeralcontainers";
  user?: User;
  /** Collects what admission wants the client told (Warning headers). */
  warnings?: string[];
}

/** `write`: `true` is shorthand for the /status subresource. */
export async function admitUpdate(ctx: ApiContext, r: ResourceType, body: KubeObject, current: KubeObject, write: boolean | UpdateWrite = false): Promise<KubeObject> {
  const w: UpdateWrite = typeof write === "boolean" ? (write ? { subresource: "status" } : {}) : write;
  checkKind(r, body);
  const prepared = prepareForUpdate(r, body, current, { ...lifecycleContext(ctx), subresource: w.subresource });
  const defaulted = applyDefaults(r.kind, prepared);
  const causes = validateUpdate(r.kind, defaulted, current, w.subresource);
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, defaulted.metadata.name ?? "", causes);
  if (w.user) checkNodeRestriction(r, w.user, "update", defaulted, current, w.subresource);
  const warnings = await podSecurityAdmission(ctx, r, { operation: "update", object: defaulted, oldObject: current, subresource: w.subresource, user: w.user });
  w.warnings?.push(...warnings);
  checkObjectSize(defaulted);
  return defaulted;
}

/** NodeRestriction for a write by `user`; throws Kubernetes' 403 when a node oversteps. */
export function checkNodeRestriction(r: ResourceType, user: User, operation: Operation, object: KubeObject | undefined, oldObject?: KubeObject, subresource = ""): void {
  const name = (object ?? oldObject)?.metadata.name ?? "";
  const namespace = (object ?? oldObject)?.metadata.namespace ?? "";
  const why = nodeRestrictionProblem({ user, operation, apiGroup: r.group, resource: r.plural, subresource, namespace, name, object, oldObject });
  if (why) throw forbidden(r.group, r.plural, name, why);
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
