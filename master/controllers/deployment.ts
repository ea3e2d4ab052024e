// Deployment controller: rolls Deployments out through ReplicaSets.
//
// Per Deployment key (`sync`): claim the namespace's ReplicaSets (adopt matching orphans,
// release owned ones that no longer match), gather pods by ReplicaSet (Recreate waits for old
// pods), plan the step (deployment-sync.ts, pure) and perform it: create the new ReplicaSet,
// write ReplicaSets, delete history beyond revisionHistoryLimit, write status + revision.
//
// The status write also carries the `deployment.kubernetes.io/revision` annotation: Kubernetes'
// deployment status strategy lets /status writes change annotations (api/lifecycle/update.ts
// does too), so the controller's bookkeeping does not bump metadata.generation (a main-resource
// write of an annotation would, and `kubectl rollout status` would then wait for a generation
// nobody changed).

import type { DeploymentStatus } from "kubernetes-types/apps/v1";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "./controller-base";
import {
  adopt,
  canonicalJson,
  controllerRef,
  isControlledBy,
  keyOf,
  leaderComponent,
  planClaims,
  release,
  templatesEqualIgnoringHash,
  type PlannedEvent,
} from "./controller-utils";
import { REVISION } from "./deployment-history";
import { DEPLOYMENT_GVK, type DeploymentObject, type DeploymentPlan, type ReplicaSetObject } from "./deployment-model";
import { PROGRESSING, Reasons, hasProgressDeadline, newCondition, setCondition } from "./deployment-progress";
import { planDeployment } from "./deployment-sync";
import { selectorMatcherOf } from "./replicaset-plan";

const DEPLOYMENTS = findResource("apps", "v1", "deployments")!;
const REPLICASETS = findResource("apps", "v1", "replicasets")!;
const PODS = findResource("", "v1", "pods")!;

export class DeploymentController extends Controller {
  private readonly rsClient = this.clientOf(REPLICASETS);
  private readonly dClient = this.clientOf(DEPLOYMENTS);
  private dLease?: InformerLease;
  private rsLease?: InformerLease;
  private podLease?: InformerLease;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "deployment-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    this.dLease = await this.lease(DEPLOYMENTS, {
      add: (d) => this.queue.add(keyOf(d)),
      update: (_old, d) => this.queue.add(keyOf(d)),
      delete: (d) => this.queue.add(keyOf(d)),
    });
    this.rsLease = await this.lease(REPLICASETS, {
      add: (rs) => this.replicaSetChanged(undefined, rs),
      update: (old, rs) => this.replicaSetChanged(old, rs),
      delete: (rs) => this.enqueueOwner(rs),
    });
    this.podLease = await this.lease(PODS, { delete: (pod) => this.podDeleted(pod) });
  }

  /** Queues every Deployment (start, resync). */
  enqueueAll(): void {
    for (const d of this.dLease?.list() ?? []) this.queue.add(keyOf(d));
  }

  private ownerOf(obj: KubeObject): KubeObject | undefined {
    const ref = controllerRef(obj);
    if (!ref || ref.kind !== "Deployment" || !ref.apiVersion.startsWith("apps/")) return undefined;
    const d = this.dLease?.get(namespacedKey(obj.metadata.namespace, ref.name));
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.ownerOf(rs);
    if (d) this.queue.add(keyOf(d));
  }

  private replicaSetChanged(old: KubeObject | undefined, rs: KubeObject): void {
    if (old && canonicalJson(controllerRef(old) ?? null) !== canonicalJson(controllerRef(rs) ?? null)) this.enqueueOwner(old);
    if (controllerRef(rs)) return this.enqueueOwner(rs);
    // An orphan: every Deployment that could adopt it looks.
    for (const d of this.dLease?.list(rs.metadata.namespace) ?? []) {
      if (selectorMatcherOf(d)(rs.metadata.labels)) this.queue.add(keyOf(d));
    }
  }

  /** Recreate waits for old pods to be gone; their deletion is its cue. */
  private podDeleted(pod: KubeObject): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.rsLease?.get(namespacedKey(pod.metadata.namespace, ref.name));
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d && (d.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type === "Recreate") this.queue.add(keyOf(d));
  }

  /** One reconcile pass for the Deployment at `key` ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const d = this.dLease?.get(key) as DeploymentObject | undefined;
    if (!d || !this.rsLease || !this.podLease) return;
    const owned = await this.claimReplicaSets(d);
    const uids = new Set(owned.map((rs) => rs.metadata.uid));
    const podsByReplicaSet = new Map<string, KubeObject[]>();
    if (d.spec?.strategy?.type === "Recreate") {
      for (const pod of this.podLease.list(d.metadata.namespace)) {
        const uid = controllerRef(pod)?.uid;
        if (!uid || !uids.has(uid)) continue;
        podsByReplicaSet.set(uid, [...(podsByReplicaSet.get(uid) ?? []), pod]);
      }
    }
    const plan = planDeployment({ deployment: d, replicaSets: owned, podsByReplicaSet, now: this.ctx.clock.now() });
    await this.execute(key, d, plan);
  }

  private async claimReplicaSets(d: DeploymentObject): Promise<ReplicaSetObject[]> {
    const matches = selectorMatcherOf(d);
    const claims = planClaims(d, (rs) => matches(rs.metadata.labels), this.rsLease!.list(d.metadata.namespace));
    const owned = [...claims.owned] as ReplicaSetObject[];
    if (claims.adopt.length > 0) {
      const fresh = await this.dClient.tryGet(d.metadata.namespace, d.metadata.name!);
      if (fresh && fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp) {
        for (const rs of claims.adopt) {
          const adopted = await adopt(this.rsClient, d, DEPLOYMENT_GVK, rs);
          if (adopted) owned.push(adopted as ReplicaSetObject);
        }
      }
    }
    for (const rs of claims.release) await release(this.rsClient, d, rs);
    return owned;
  }

  private async execute(key: string, d: DeploymentObject, plan: DeploymentPlan): Promise<void> {
    const involved = { ...d, apiVersion: DEPLOYMENT_GVK.apiVersion, kind: DEPLOYMENT_GVK.kind };
    const record = (events: PlannedEvent[]) => events.forEach((e) => this.events.record(involved, e.type, e.reason, e.message));
    if (plan.create) {
      const created = await this.createReplicaSet(d, plan.create.replicaSet);
      if (!created) return;
      record(plan.create.events);
    }
    for (const write of plan.updates) {
      await this.rsClient.replace(write.replicaSet);
      record(write.events);
    }
    for (const rs of plan.deletes) {
      try {
        await this.rsClient.delete(rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    if (plan.status || plan.revision) await this.writeStatus(d, plan.status ?? d.status ?? {}, plan.revision);
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  /**
   * Creates the new ReplicaSet. Returns false when the rest of the plan must wait: the
   * ReplicaSet already exists (the cache is behind; the informer will bring it). A name taken
   * by a different template is a hash collision: collisionCount goes up and the next sync
   * derives another name.
   */
  private async createReplicaSet(d: DeploymentObject, rs: ReplicaSetObject): Promise<boolean> {
    try {
      await this.rsClient.create(rs);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") {
        const existing = await this.rsClient.tryGet(rs.metadata.namespace, rs.metadata.name!);
        if (existing && isControlledBy(existing, d) && templatesEqualIgnoringHash((existing.spec as { template?: unknown }).template, d.spec?.template)) return false;
        const status = { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await this.writeStatus(d, status);
        throw err;
      }
      if (err instanceof ApiError && err.code === 403) throw err;
      const message = `Failed to create new replica set "${rs.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
      if (hasProgressDeadline(d)) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, newCondition(PROGRESSING, "False", Reasons.failedRSCreate, message, this.ctx.clock.now()));
        await this.writeStatus(d, status).catch((e) => this.log(`writing status of deployment ${keyOf(d)} failed`, e));
      }
      this.events.record({ ...d, apiVersion: DEPLOYMENT_GVK.apiVersion, kind: DEPLOYMENT_GVK.kind }, "Warning", "FailedCreate", message);
      throw err;
    }
  }

  /**
   * Writes status (and the revision annotation) to the Deployment as it was read for this plan.
   * If it changed since, the plan is stale: skip; the sync for that change redoes it.
   */
  private async writeStatus(d: DeploymentObject, status: DeploymentStatus, revision?: string): Promise<void> {
    try {
      await this.dClient.update(
        d.metadata.namespace,
        d.metadata.name!,
        (current) => {
          // The informer's update event for the newer version has queued (or will queue) a sync.
          if (current.metadata.uid !== d.metadata.uid || current.metadata.resourceVersion !== d.metadata.resourceVersion) return undefined;
          const annotations = revision === undefined ? current.metadata.annotations : { ...current.metadata.annotations, [REVISION]: revision };
          return { ...current, metadata: { ...current.metadata, annotations }, status };
        },
        { statusOnly: true },
      );
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

/** Leader component factory for master/leader-components.ts. */
export function deploymentControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("deployment-controller", deps, (d) => new DeploymentController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }));
}
