// Garbage collector: deletes objects whose owners are gone, and carries out the Foreground and
// Orphan propagation policies (the apiserver only adds the finalizers; see gc-plan.ts for the
// rules). Generic over every resource in the catalogue, so Deployment -> ReplicaSet -> Pod,
// DaemonSet -> Pod, Job -> Pod and CronJob -> Job chains all work the same way.
//
// It keeps a shared informer on every stored resource and an index owner uid -> dependents.
// Level-triggered: informer events queue the objects they concern, and a periodic full pass
// queues every object with owner references or a propagation finalizer, so anything missed
// (a restart, a lost event) is found again. An owner missing from the cache is confirmed with a
// read from the store before anything is deleted, since a cache can lag behind a fresh owner.

import { ApiError } from "../../api/errors";
import type { KubeObject, OwnerReference } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { RESOURCES, findResourceByKind, storageResourceOf, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "./controller-base";
import { keyOf, leaderComponent, withoutOwnerRefs } from "./controller-utils";
import { ORPHAN_FINALIZER, FOREGROUND_FINALIZER, classifyOwners, decideDependent, decideOwner, hasFinalizer, needsAttention, type OwnerState } from "./gc-plan";

/** `resyncMs` is the full pass interval. */
export type GarbageCollectorOptions = ControllerOptions;

/** One entry per stored resource (served versions sharing storage are watched once); resources
 *  that are never stored (create-only reviews) have nothing to collect. */
export function storedResources(): ResourceType[] {
  const sharing = (r: ResourceType) => RESOURCES.filter((x) => storageResourceOf(x) === storageResourceOf(r)).length;
  return RESOURCES.filter((r) => r.verbs.includes("watch") && (r.storageVersion || sharing(r) === 1));
}

interface Tracked {
  resource: ResourceType;
  lease: InformerLease;
}

export class GarbageCollector extends Controller {
  private readonly tracked = new Map<string, Tracked>();
  /** owner uid -> refs ("<resource>|<ns>/<name>") of objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** object ref -> its owners' uids, to keep `dependents` right on updates. */
  private readonly ownersOf = new Map<string, string[]>();
  /** uid -> object ref, to find owners when a dependent changes. */
  private readonly byUid = new Map<string, string>();
  /** Owner uids confirmed gone (uids are never reused, so this never goes stale). */
  private readonly absent = new Set<string>();

  constructor(ctx: ApiContext, options: GarbageCollectorOptions = {}) {
    super(ctx, options, { name: "garbage-collector", serviceAccount: "generic-garbage-collector", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    for (const r of storedResources()) {
      const lease = await this.lease(r, {
        add: (obj) => this.observe(r, undefined, obj),
        update: (old, obj) => this.observe(r, old, obj),
        delete: (obj) => this.forget(r, obj),
      });
      this.tracked.set(storageResourceOf(r), { resource: r, lease });
      for (const obj of lease.list()) this.observe(r, undefined, obj);
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.tracked.clear();
  }

  private refOf(r: ResourceType, obj: KubeObject): string {
    return `${storageResourceOf(r)}|${keyOf(obj)}`;
  }

  private observe(r: ResourceType, old: KubeObject | undefined, obj: KubeObject): void {
    const ref = this.refOf(r, obj);
    if (old && old.metadata.uid !== obj.metadata.uid) this.forget(r, old);
    const before = this.ownersOf.get(ref) ?? [];
    const after = (obj.metadata.ownerReferences ?? []).map((o) => o.uid);
    for (const uid of before) if (!after.includes(uid)) this.unlink(uid, ref);
    for (const uid of after) {
      let set = this.dependents.get(uid);
      if (!set) this.dependents.set(uid, (set = new Set()));
      set.add(ref);
    }
    if (after.length > 0) this.ownersOf.set(ref, after);
    else this.ownersOf.delete(ref);
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, ref);

    if (needsAttention(obj)) this.queue.add(`dependent|${ref}`);
    if (obj.metadata.deletionTimestamp && (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER))) this.queue.add(`owner|${ref}`);
    // A foreground-deleting owner may be waiting for exactly this reference to go.
    for (const uid of before) if (!after.includes(uid)) this.queueOwnerByUid(uid);
  }

  private forget(r: ResourceType, obj: KubeObject): void {
    const ref = this.refOf(r, obj);
    for (const uid of this.ownersOf.get(ref) ?? []) {
      this.unlink(uid, ref);
      this.queueOwnerByUid(uid);
    }
    this.ownersOf.delete(ref);
    if (obj.metadata.uid && this.byUid.get(obj.metadata.uid) === ref) this.byUid.delete(obj.metadata.uid);
    // Its dependents now have a dangling reference.
    for (const dep of this.dependents.get(obj.metadata.uid ?? "") ?? []) this.queue.add(`dependent|${dep}`);
  }

  private unlink(uid: string, ref: string): void {
    const set = this.dependents.get(uid);
    set?.delete(ref);
    if (set?.size === 0) this.dependents.delete(uid);
  }

  private queueOwnerByUid(uid: string): void {
    const ref = this.byUid.get(uid);
    if (ref) this.queue.add(`owner|${ref}`);
  }

  /**
   * Queues every object with owner references or a propagation finalizer. After start this also
   * revisits objects seen while later caches were still filling (their owners looked "unknown",
   * so they were kept).
   */
  enqueueAll(): void {
    for (const { resource, lease } of this.tracked.values()) {
      for (const obj of lease.list()) {
        const ref = this.refOf(resource, obj);
        if (needsAttention(obj)) this.queue.add(`dependent|${ref}`);
        if (obj.metadata.deletionTimestamp && (hasFinalizer(obj, ORPHAN_FINALIZER) || hasFinalizer(obj, FOREGROUND_FINALIZER))) this.queue.add(`owner|${ref}`);
      }
    }
  }

  private lookup(ref: string): { tracked: Tracked; obj: KubeObject } | undefined {
    const bar = ref.indexOf("|");
    const tracked = this.tracked.get(ref.slice(0, bar));
    const obj = tracked?.lease.get(ref.slice(bar + 1));
    return tracked && obj ? { tracked, obj } : undefined;
  }

  /** One queue key: "dependent|<ref>" or "owner|<ref>". */
  async sync(key: string): Promise<void> {
    const bar = key.indexOf("|");
    const kind = key.slice(0, bar);
    const found = this.lookup(key.slice(bar + 1));
    if (!found) return;
    if (kind === "dependent") await this.attemptToDelete(found.tracked.resource, found.obj);
    else await this.processOwner(found.tracked.resource, found.obj);
  }

  /** A dependent: keep it, drop references, or delete it (gc-plan.ts decideDependent). */
  private async attemptToDelete(r: ResourceType, dep: KubeObject): Promise<void> {
    if (!needsAttention(dep)) return;
    const refs = dep.metadata.ownerReferences ?? [];
    const states = await Promise.all(refs.map((ref) => this.ownerState(dep, ref)));
    // The index can lag behind a dependent created a moment ago; assuming "may have dependents"
    // costs a foreground deletion an extra finalizer write, so only pods (numerous, and
    // practically always leaves) are trusted to the index.
    const hasDependents = (this.dependents.get(dep.metadata.uid ?? "")?.size ?? 0) > 0 || !(r.group === "" && r.kind === "Pod");
    const decision = decideDependent(dep, classifyOwners(refs, states), hasDependents);
    const client = this.clientOf(r);
    if (decision.action === "removeOwnerRefs") {
      await this.ignoreGone(client.update(dep.metadata.namespace, dep.metadata.name!, (current) => {
        if (current.metadata.uid !== dep.metadata.uid) return undefined;
        if (!(current.metadata.ownerReferences ?? []).some((o) => decision.uids.includes(o.uid))) return undefined;
        return withoutOwnerRefs(current, decision.uids);
      }));
    } else if (decision.action === "delete") {
      await this.ignoreGone(client.delete(dep.metadata.namespace, dep.metadata.name!, { propagationPolicy: decision.propagationPolicy, preconditions: { uid: dep.metadata.uid } }));
    }
  }

  /** An owner being deleted with a propagation finalizer (gc-plan.ts decideOwner). */
  private async processOwner(r: ResourceType, owner: KubeObject): Promise<void> {
    const deps = [...(this.dependents.get(owner.metadata.uid ?? "") ?? [])].map((ref) => this.lookup(ref)).filter((x) => x !== undefined);
    const decision = decideOwner(owner, deps.map((d) => d.obj));
    const uid = owner.metadata.uid!;
    if (decision.action === "orphan") {
      for (const dep of deps) {
        const client = this.clientOf(dep.tracked.resource);
        await this.ignoreGone(client.update(dep.obj.metadata.namespace, dep.obj.metadata.name!, (current) => {
          if (current.metadata.uid !== dep.obj.metadata.uid || !(current.metadata.ownerReferences ?? []).some((o) => o.uid === uid)) return undefined;
          return withoutOwnerRefs(current, [uid]);
        }));
      }
      await this.removeFinalizer(r, owner, ORPHAN_FINALIZER);
    } else if (decision.action === "deleteDependents") {
      for (const dep of decision.dependents) this.queue.add(`dependent|${this.refOf(this.resourceOfObject(dep, deps), dep)}`);
    } else if (decision.action === "removeFinalizer") {
      await this.removeFinalizer(r, owner, decision.finalizer);
    }
  }

  private resourceOfObject(obj: KubeObject, deps: { tracked: Tracked; obj: KubeObject }[]): ResourceType {
    return deps.find((d) => d.obj === obj)!.tracked.resource;
  }

  private async removeFinalizer(r: ResourceType, owner: KubeObject, finalizer: string): Promise<void> {
    const client = this.clientOf(r);
    await this.ignoreGone(client.update(owner.metadata.namespace, owner.metadata.name!, (current) => {
      if (current.metadata.uid !== owner.metadata.uid || !hasFinalizer(current, finalizer)) return undefined;
      const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      const metadata = { ...current.metadata, finalizers: finalizers.length > 0 ? finalizers : undefined };
      if (!metadata.finalizers) delete metadata.finalizers;
      return { ...current, metadata };
    }));
  }

  /** What stands behind one owner reference of `dep`: the cache first, the store to confirm. */
  private async ownerState(dep: KubeObject, ref: OwnerReference): Promise<OwnerState> {
    if (this.absent.has(ref.uid)) return { kind: "absent" };
    const r = findResourceByKind(ref.apiVersion, ref.kind);
    const tracked = r && this.tracked.get(storageResourceOf(r));
    if (!r || !tracked) return { kind: "unknown" };
    // A namespaced owner of a cluster-scoped object cannot exist.
    if (r.namespaced && !dep.metadata.namespace) return { kind: "absent" };
    const namespace = r.namespaced ? dep.metadata.namespace : undefined;
    const cached = tracked.lease.get(namespacedKey(namespace, ref.name));
    if (cached && cached.metadata.uid === ref.uid) return { kind: "present", owner: cached };
    let live: KubeObject | undefined;
    try {
      live = await this.ctx.storeFor(r).get(namespace, ref.name);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    if (live && live.metadata.uid === ref.uid) return { kind: "present", owner: live };
    this.absent.add(ref.uid);
    if (this.absent.size > 100_000) this.absent.clear();
    return { kind: "absent" };
  }

  private async ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      // Gone already, or a uid precondition says it is a different object now.
      if (err instanceof ApiError && (err.code === 404 || (err.code === 409 && /Precondition failed: UID/.test(err.message)))) return;
      throw err;
    }
  }
}

/** Leader component factory for master/leader-components.ts. */
export function garbageCollectorComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("garbage-collector", deps, (d) => new GarbageCollector(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
