// The one write path. Every create, update, patch, delete, binding and eviction — kubectl's
// through master/apiserver, the controllers', the scheduler's, the dispatcher's — is a call here
// with the user who makes it:
//
//   authorize (ctx.authorizer: the chain of master/auth, for this user, verb and resource)
//     → admission (admission.ts: lifecycle, defaults, validation, validating plugins, size)
//     → compare-and-swap write (resource-store.ts), read again and decided again on a lost race
//       (retry.ts: CONFLICT_RETRIES)
//
// Nothing else holds the stores' write methods: ApiContext hands out readers only.

import { ApiError, errors } from "../../api/errors";
import { bindPod } from "../../api/lifecycle";
import type { KubeObject } from "../../api/object";
import { findResource, RESOURCES, type ResourceType } from "../../api/resources";
import { checkAuthorized, refusal } from "../auth/access";
import type { RequestAttributes } from "../auth/attributes";
import type { User } from "../auth/user";
import { EtcdStore } from "../store/etcd-store";
import type { Store } from "../store/types";
import { admitBindingRequest, admitCreate, admitDelete, admitUpdate, type UpdateSubresource } from "./admission";
import { bindInTransactions, type BindOutcome, type BindRequest } from "./bind-batch";
import type { ApiContext } from "./context";
import { deleteObject, finishedTerminating, type DeleteOptions, type DeleteOutcome } from "./deletion";
import { ResourceStore, type ResourceReader } from "./resource-store";
import { CONFLICT_RETRIES, isConflict } from "./retry";
import { persistNew } from "./service-allocation";
import type { WriteFence } from "./write-fence";

const PODS = findResource("", "v1", "pods")!;

/** The object a write addresses. */
export interface ObjectRef {
  resource: ResourceType;
  namespace?: string;
  name: string;
}

export interface CreateOptions {
  /** The namespace the request addressed (the URL's); default: the object's own. */
  namespace?: string;
  dryRun?: boolean;
  /** Collects what admission wants the client told (Warning headers). */
  warnings?: string[];
}

export interface UpdateOptions {
  /** How the user asked: "update" (PUT, the internal client) or "patch"; authorization's verb. */
  verb?: "update" | "patch";
  /** Written through this subresource (status, approval, finalize, scale); default the object. */
  subresource?: UpdateSubresource;
  dryRun?: boolean;
  /** Collects what admission wants the client told (Warning headers). */
  warnings?: string[];
}

export class Registry {
  private readonly stores = new Map<ResourceType, ResourceStore>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly rawStore: Store,
  ) {
    for (const r of RESOURCES) this.stores.set(r, new ResourceStore(rawStore, r));
  }

  /** Reads of `resource`; ApiContext.storeFor hands these out. */
  reader(resource: ResourceType): ResourceReader {
    return this.storeFor(resource);
  }

  async create(user: User, resource: ResourceType, body: KubeObject, options: CreateOptions = {}): Promise<KubeObject> {
    const namespace = options.namespace ?? body?.metadata?.namespace;
    this.authorize(user, "create", resource, namespace, "");
    const admitted = await admitCreate(this.ctx, resource, body, namespace, user, options.warnings);
    if (options.dryRun) return admitted;
    return persistNew(this.rawStore, this.ctx.network.serviceRange, this.storeFor(resource), admitted);
  }

  /**
   * Read-modify-write: `change` maps the stored object (never modify it) to the wanted one, or to
   * undefined to leave it as it is; a throw (a failed precondition) ends the write. The result is
   * admitted and written with a compare-and-swap; an update that leaves a terminating object
   * without finalizers completes its deletion.
   */
  async update(user: User, ref: ObjectRef, change: (current: KubeObject) => KubeObject | undefined, options: UpdateOptions = {}): Promise<KubeObject> {
    const { resource, namespace, name } = ref;
    this.authorize(user, options.verb ?? "update", resource, namespace, name, options.subresource);
    const store = this.storeFor(resource);
    for (let attempt = 0; ; attempt++) {
      const current = await store.get(namespace, name);
      const wanted = change(current);
      if (wanted === undefined) return current;
      // Only the attempt that is written tells the client its warnings.
      const warnings: string[] = [];
      const next = await admitUpdate(this.ctx, resource, wanted, current, user, options.subresource, warnings);
      if (options.dryRun) {
        options.warnings?.push(...warnings);
        return next;
      }
      try {
        const written = finishedTerminating(next) ? await store.delete(namespace, name, current.metadata.resourceVersion) : await store.update(next, current.metadata.resourceVersion);
        options.warnings?.push(...warnings);
        return written;
      } catch (err) {
        if (isConflict(err) && attempt < CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  async delete(user: User, ref: ObjectRef, options: DeleteOptions = {}): Promise<DeleteOutcome> {
    this.authorize(user, "delete", ref.resource, ref.namespace, ref.name);
    return deleteObject(this.deletionDeps(ref.resource), ref.namespace, ref.name, options, (current) => admitDelete(this.ctx, ref.resource, user, current));
  }

  /**
   * Deletes every object of `resource` in `namespace` (all namespaces when undefined) that
   * `filter` selects; authorized once as `deletecollection`, admitted object by object. Objects
   * gone meanwhile are skipped.
   */
  async deleteCollection(user: User, resource: ResourceType, namespace: string | undefined, filter: ((o: KubeObject) => boolean) | undefined, options: DeleteOptions = {}): Promise<{ deleted: KubeObject[]; resourceVersion: string }> {
    this.authorize(user, "deletecollection", resource, namespace, "");
    const list = await this.storeFor(resource).list(namespace, { filter });
    const deleted: KubeObject[] = [];
    for (const obj of list.items) {
      try {
        const outcome = await deleteObject(this.deletionDeps(resource), obj.metadata.namespace, obj.metadata.name!, options, (current) => admitDelete(this.ctx, resource, user, current));
        deleted.push(outcome.object);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return { deleted, resourceVersion: list.resourceVersion };
  }

  /** pods/eviction (policy/v1): PodDisruptionBudgets are not served yet, so every eviction deletes. */
  async evict(user: User, namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteOutcome> {
    this.authorize(user, "create", PODS, namespace, name, "eviction");
    return deleteObject(this.deletionDeps(PODS), namespace, name, options, (current) => admitDelete(this.ctx, PODS, user, current, "eviction"));
  }

  /** pods/binding: sets spec.nodeName of a pod that has none (409 when bound or being deleted). */
  async bind(user: User, namespace: string, name: string, nodeName: string): Promise<KubeObject> {
    if (!nodeName) throw errors.invalid("", "Binding", name, [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }]);
    this.authorize(user, "create", PODS, namespace, name, "binding");
    admitBindingRequest(this.ctx, PODS, user, namespace, name, nodeName);
    const written = await this.writeBinding(namespace, name, nodeName);
    if ("refused" in written) throw errors.conflict("", "pods", name, written.refused);
    return written.pod;
  }

  /** The binding rule on the stored pod, written with a compare-and-swap, retried on lost races. */
  private async writeBinding(namespace: string, name: string, nodeName: string): Promise<{ pod: KubeObject } | { refused: string }> {
    const store = this.storeFor(PODS);
    for (let attempt = 0; ; attempt++) {
      const bound = bindPod(await store.get(namespace, name), nodeName, this.ctx.clock.now());
      if ("refused" in bound) return bound;
      try {
        return { pod: await store.update(bound.pod, bound.pod.metadata.resourceVersion) };
      } catch (err) {
        if (isConflict(err) && attempt < CONFLICT_RETRIES) continue;
        throw err;
      }
    }
  }

  /**
   * Many pods/binding creates at once (the scheduler's batches): each authorized and admitted as
   * bind() does, then written in compare-and-swap transactions on etcd (bind-batch.ts), or one by
   * one on another store. One outcome per request, in order; never rejects for one pod's failure.
   * `fence` (the scheduler's leadership term) goes into every transaction: once it fails, the
   * pods not yet bound get its error (NotLeaderError). Other stores are not fenced.
   */
  async bindPods(user: User, requests: readonly BindRequest[], fence?: WriteFence): Promise<BindOutcome[]> {
    const refusals = requests.map((r) => this.bindingRefusal(user, r));
    const now = this.ctx.clock.now();
    if (this.rawStore instanceof EtcdStore) {
      return bindInTransactions(this.rawStore.client, PODS, requests, (i, pod) => {
        if (refusals[i]) return { outcome: { kind: "error", error: refusals[i] } };
        const bound = bindPod(pod, requests[i].nodeName, now);
        return "refused" in bound ? { outcome: { kind: "refused", reason: bound.refused } } : bound;
      }, fence);
    }
    return Promise.all(requests.map((r, i) => (refusals[i] ? { kind: "error" as const, error: refusals[i] } : this.bindOne(r))));
  }

  private bindingRefusal(user: User, r: BindRequest): unknown {
    const { namespace = "", name = "" } = r.pod.metadata;
    const denied = refusal(this.ctx.authorizer, attributes(user, "create", PODS, namespace, name, "binding"));
    if (denied) return denied;
    try {
      admitBindingRequest(this.ctx, PODS, user, namespace, name, r.nodeName);
      return undefined;
    } catch (err) {
      return err;
    }
  }

  private async bindOne(r: BindRequest): Promise<BindOutcome> {
    try {
      const written = await this.writeBinding(r.pod.metadata.namespace ?? "", r.pod.metadata.name ?? "", r.nodeName);
      return "refused" in written ? { kind: "refused", reason: written.refused } : { kind: "bound", pod: written.pod };
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return { kind: "gone" };
      return { kind: "error", error };
    }
  }

  private authorize(user: User, verb: string, resource: ResourceType, namespace: string | undefined, name: string, subresource?: string): void {
    checkAuthorized(this.ctx.authorizer, attributes(user, verb, resource, namespace ?? "", name, subresource ?? ""));
  }

  private storeFor(resource: ResourceType): ResourceStore {
    const s = this.stores.get(resource);
    if (!s) throw new Error(`no store for ${resource.plural}`);
    return s;
  }

  private deletionDeps(resource: ResourceType) {
    return { store: this.storeFor(resource), rawStore: this.rawStore, now: () => this.ctx.clock.now() };
  }
}

/** A write as authorization sees it; the same attributes the apiserver builds for the request. */
function attributes(user: User, verb: string, r: ResourceType, namespace: string, name: string, subresource: string): RequestAttributes {
  return { user, verb, resourceRequest: true, path: "", apiGroup: r.group, apiVersion: r.version, resource: r.plural, subresource, namespace, name, fieldSelector: [] };
}
