// ReplicaSet controller: keeps spec.replicas active pods for every ReplicaSet.
//
// Per ReplicaSet key (`sync`): claim the namespace's active pods (adopt matching orphans,
// release owned pods that no longer match), then — unless the cache has not yet seen this
// controller's previous creates/deletes (Expectations) or the ReplicaSet is being deleted —
// create missing pods in slow-start batches or delete the surplus in Kubernetes' ranking order,
// and write the status. The decisions are in replicaset-plan.ts; this file is the I/O.
//
// Events: SuccessfulCreate `Created pod: web-abc12`, SuccessfulDelete `Deleted pod: ...`,
// FailedCreate / FailedDelete warnings.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, errorMessage, type ControllerOptions } from "./controller-base";
import {
  Expectations,
  adopt,
  canonicalJson,
  controllerRef,
  isPodActive,
  isPodReady,
  keyOf,
  leaderComponent,
  msUntilNextAvailable,
  newControllerRef,
  podFromTemplate,
  podNamePrefix,
  release,
} from "./controller-utils";
import { claimPods, minReadySecondsOf, planReplicas, replicaSetStatus, selectorMatcherOf, slowStartBatches, type ManageFailure } from "./replicaset-plan";

const REPLICASETS = findResource("apps", "v1", "replicasets")!;
const PODS = findResource("", "v1", "pods")!;
const GVK = { apiVersion: "apps/v1", kind: "ReplicaSet" };

export class ReplicaSetController extends Controller {
  private readonly expectations = new Expectations(() => this.ctx.clock.now().getTime());
  private readonly podsClient = this.clientOf(PODS);
  private readonly rsClient = this.clientOf(REPLICASETS);
  private rsLease?: InformerLease;
  private podLease?: InformerLease;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "replicaset-controller" });
  }

  protected async watch(): Promise<void> {
    this.rsLease = await this.lease(REPLICASETS, {
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (_old, rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.podLease = await this.lease(PODS, {
      add: (pod) => this.podAdded(pod),
      update: (old, pod) => this.podUpdated(old, pod),
      delete: (pod) => this.podDeleted(pod),
    });
  }

  /** Queues every ReplicaSet (start, resync). */
  enqueueAll(): void {
    for (const rs of this.rsLease?.list() ?? []) this.queue.add(keyOf(rs));
  }

  /** The ReplicaSet that `ref` points at, if it is in the cache with that uid. */
  private resolve(namespace: string | undefined, pod: KubeObject): KubeObject | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== GVK.kind || ref.apiVersion.split("/")[0] !== "apps") return undefined;
    const rs = this.rsLease?.get(namespacedKey(namespace, ref.name));
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  private matchingReplicaSets(pod: KubeObject): KubeObject[] {
    return (this.rsLease?.list(pod.metadata.namespace) ?? []).filter((rs) => selectorMatcherOf(rs)(pod.metadata.labels));
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    if (controllerRef(pod)) {
      const rs = this.resolve(pod.metadata.namespace, pod);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.queue.add(keyOf(rs));
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    const labelsChanged = canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp) {
      this.podDeleted(pod);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const oldRef = controllerRef(old);
    const ref = controllerRef(pod);
    const refChanged = canonicalJson(oldRef ?? null) !== canonicalJson(ref ?? null);
    if (refChanged && oldRef) {
      const previous = this.resolve(old.metadata.namespace, old);
      if (previous) this.queue.add(keyOf(previous));
    }
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, pod);
      if (!rs) return;
      this.queue.add(keyOf(rs));
      const minReady = minReadySecondsOf(rs);
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(keyOf(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.matchingReplicaSets(pod)) this.queue.add(keyOf(rs));
  }

  private podDeleted(pod: KubeObject): void {
    const rs = this.resolve(pod.metadata.namespace, pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(pod));
    this.queue.add(keyOf(rs));
  }

  /** One reconcile pass for the ReplicaSet at `key` ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const rs = this.rsLease?.get(key);
    if (!rs || !this.podLease) {
      this.expectations.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    const namespace = rs.metadata.namespace!;
    const needsSync = this.expectations.satisfied(key);
    const active = this.podLease.list(namespace).filter(isPodActive);
    const claims = claimPods(rs, active);
    const owned = [...claims.owned];
    if (claims.adopt.length > 0 && (await this.canAdopt(rs))) {
      for (const pod of claims.adopt) {
        const adopted = await adopt(this.podsClient, rs, GVK, pod);
        if (adopted) owned.push(adopted);
      }
    }
    for (const pod of claims.release) await release(this.podsClient, rs, pod);

    let failure: ManageFailure | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) failure = await this.manageReplicas(key, rs, owned, active);

    const status = replicaSetStatus(rs, owned, now, failure);
    await this.writeStatus(rs, status);
    if (failure) throw new Error(failure.message);

    const minReady = minReadySecondsOf(rs);
    const wait = msUntilNextAvailable(owned, minReady, now);
    if (wait !== undefined) this.queue.addAfter(key, wait);
  }

  /** A fresh read, as upstream: adopt only for a ReplicaSet that still exists and is not terminating. */
  private async canAdopt(rs: KubeObject): Promise<boolean> {
    const fresh = await this.rsClient.tryGet(rs.metadata.namespace, rs.metadata.name!);
    return fresh !== undefined && fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
  }

  /** Pods of every ReplicaSet that shares this one's controller (for the deletion ranking). */
  private relatedPods(rs: KubeObject, active: readonly KubeObject[], owned: readonly KubeObject[]): KubeObject[] {
    const ref = controllerRef(rs);
    if (!ref) return [...owned];
    const siblings = new Set((this.rsLease?.list(rs.metadata.namespace) ?? []).filter((r) => controllerRef(r)?.uid === ref.uid).map((r) => r.metadata.uid));
    return active.filter((p) => siblings.has(controllerRef(p)?.uid));
  }

  private async manageReplicas(key: string, rs: KubeObject, owned: KubeObject[], active: KubeObject[]): Promise<ManageFailure | undefined> {
    const plan = planReplicas(rs, owned, this.relatedPods(rs, active, owned));
    const involved = { ...rs, apiVersion: GVK.apiVersion, kind: GVK.kind };
    if (plan.create > 0) {
      this.expectations.expect(key, plan.create);
      const template = ((rs.spec ?? {}) as { template?: object }).template ?? {};
      const ref = newControllerRef(rs, GVK);
      let attempted = 0;
      let failed = false;
      let firstError: unknown;
      for (const batch of slowStartBatches(plan.create)) {
        attempted += batch;
        const results = await Promise.allSettled(
          Array.from({ length: batch }, () => this.podsClient.create(podFromTemplate(template, rs.metadata.namespace!, podNamePrefix(rs.metadata.name!), ref))),
        );
        for (const r of results) {
          if (r.status === "fulfilled") {
            this.events.record(involved, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
          } else {
            this.expectations.creationObserved(key);
            failed = true;
            // A namespace being deleted refuses new pods; that is not the ReplicaSet's failure.
            if (namespaceTerminating(r.reason)) continue;
            firstError ??= r.reason;
            this.events.record(involved, "Warning", "FailedCreate", `Error creating: ${errorMessage(r.reason)}`);
          }
        }
        if (failed) break;
      }
      for (let i = attempted; i < plan.create; i++) this.expectations.creationObserved(key);
      if (firstError !== undefined) return { reason: "FailedCreate", message: errorMessage(firstError) };
    } else if (plan.delete.length > 0) {
      this.expectations.expect(key, 0, plan.delete.map(keyOf));
      const firstError = await this.deletePods(this.podsClient, this.expectations, key, involved, plan.delete);
      if (firstError !== undefined) return { reason: "FailedDelete", message: errorMessage(firstError) };
    }
    return undefined;
  }

  private async writeStatus(rs: KubeObject, status: object): Promise<void> {
    if (canonicalJson(rs.status ?? {}) === canonicalJson(status)) return;
    try {
      await this.rsClient.update(rs.metadata.namespace, rs.metadata.name!, (current) => {
        if (current.metadata.uid !== rs.metadata.uid) return undefined;
        // observedGeneration is what this pass saw; a newer spec gets its own pass.
        return { ...current, status };
      }, { statusOnly: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

function namespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && (err.details?.causes ?? []).some((c) => c.reason === "NamespaceTerminating");
}

/** Leader component factory for master/leader-components.ts. */
export function replicaSetControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("replicaset-controller", deps, (d) => new ReplicaSetController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
