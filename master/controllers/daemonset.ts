// DaemonSet controller: one pod per eligible node. The decisions are in daemonset-core.ts and
// daemonset-eligibility.ts; this file is the I/O: informers on DaemonSets, pods and nodes, a
// work queue of DaemonSet keys, and the writes each plan lists.
//
// Pods are created unbound, pinned to their node by required node affinity
// (`matchFields metadata.name In [<node>]`), so the scheduler places them like any other pod.
// Events: SuccessfulCreate `Created pod: <name>`, SuccessfulDelete `Deleted pod: <name>`,
// FailedDaemonPod, FailedCreate / FailedDelete warnings.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, errorMessage, type ControllerOptions } from "./controller-base";
import { Expectations, adopt, canonicalJson, controllerRef, keyOf, leaderComponent, planClaims, release, type PodObject } from "./controller-utils";
import { FailedPodBackoff, planDaemonSet, type DaemonSetObject, type NodeObject } from "./daemonset-core";
import { selectorMatcherOf } from "./replicaset-plan";

const DAEMONSETS = findResource("apps", "v1", "daemonsets")!;
const PODS = findResource("", "v1", "pods")!;
const NODES = findResource("", "v1", "nodes")!;
const GVK = { apiVersion: "apps/v1", kind: "DaemonSet" };

export type DaemonSetControllerOptions = ControllerOptions;

export class DaemonSetController extends Controller {
  private readonly expectations = new Expectations(() => this.ctx.clock.now().getTime());
  private readonly backoff = new FailedPodBackoff();
  private readonly pods = this.clientOf(PODS);
  private readonly daemonSets = this.clientOf(DAEMONSETS);
  private dsLease?: InformerLease<DaemonSetObject>;
  private podLease?: InformerLease<PodObject>;
  private nodeLease?: InformerLease<NodeObject>;

  constructor(ctx: ApiContext, options: DaemonSetControllerOptions = {}) {
    super(ctx, options, { name: "daemonset-controller", serviceAccount: "daemon-set-controller" });
  }

  protected async watch(): Promise<void> {
    this.dsLease = await this.lease<DaemonSetObject>(DAEMONSETS, {
      add: (ds) => this.queue.add(keyOf(ds)),
      update: (_old, ds) => this.queue.add(keyOf(ds)),
      delete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    this.nodeLease = await this.lease<NodeObject>(NODES, {
      add: () => this.enqueueAll(),
      update: (old, node) => {
        if (nodeChanged(old, node)) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
    this.podLease = await this.lease<PodObject>(PODS, {
      add: (pod) => this.podEvent(pod, "add"),
      update: (old, pod) => {
        if (controllerRef(old)?.uid !== controllerRef(pod)?.uid) this.podEvent(old, "update");
        this.podEvent(pod, pod.metadata.deletionTimestamp ? "delete" : "update");
      },
      delete: (pod) => this.podEvent(pod, "delete"),
    });
  }

  /** Queues every DaemonSet (node changes, resync, tests advancing a clock). */
  enqueueAll(): void {
    for (const ds of this.dsLease?.list() ?? []) this.queue.add(keyOf(ds));
  }

  private owner(pod: KubeObject): DaemonSetObject | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== GVK.kind) return undefined;
    const ds = this.dsLease?.get(namespacedKey(pod.metadata.namespace, ref.name));
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  private podEvent(pod: PodObject, kind: "add" | "update" | "delete"): void {
    const ds = this.owner(pod);
    if (ds) {
      if (kind === "add") this.expectations.creationObserved(keyOf(ds));
      if (kind === "delete") this.expectations.deletionObserved(keyOf(ds), keyOf(pod));
      this.queue.add(keyOf(ds));
      return;
    }
    if (controllerRef(pod)) return;
    // An orphan: any DaemonSet whose selector matches may adopt it.
    for (const candidate of this.dsLease?.list(pod.metadata.namespace) ?? []) {
      if (selectorMatcherOf(candidate)(pod.metadata.labels)) this.queue.add(keyOf(candidate));
    }
  }

  /** One reconcile pass for the DaemonSet at `key`. */
  async sync(key: string): Promise<void> {
    const ds = this.dsLease?.get(key);
    if (!ds || !this.podLease || !this.nodeLease) {
      this.expectations.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    const matches = selectorMatcherOf(ds);
    const claims = planClaims<PodObject>(ds, (p) => matches(p.metadata.labels), this.podLease.list(ds.metadata.namespace));
    const owned = [...claims.owned];
    if (claims.adopt.length > 0 && (await this.canAdopt(ds))) {
      for (const pod of claims.adopt) {
        const adopted = await adopt(this.pods, ds, GVK, pod);
        if (adopted) owned.push(adopted as PodObject);
      }
    }
    for (const pod of claims.release) await release(this.pods, ds, pod);

    // Act only on a cache that has seen this controller's last writes; the status is always due.
    const act = this.expectations.satisfied(key) && !ds.metadata.deletionTimestamp;
    const plan = planDaemonSet({ ds, nodes: this.nodeLease.list(), pods: owned, now, backoff: act ? this.backoff : undefined });
    this.backoff.gc(now);
    let failure: unknown;
    if (act) failure = await this.carryOut(key, ds, plan);
    await this.writeStatus(ds, plan.status);
    if (failure !== undefined) throw failure;
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  private async carryOut(key: string, ds: DaemonSetObject, plan: ReturnType<typeof planDaemonSet>): Promise<unknown> {
    const involved = { ...ds, apiVersion: GVK.apiVersion, kind: GVK.kind };
    this.expectations.expect(key, plan.create.length, plan.delete.map((d) => keyOf(d.pod)));
    for (const { pod, why } of plan.delete) {
      if (why === "failed") {
        this.events.record(involved, "Warning", "FailedDaemonPod", `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${pod.spec?.nodeName ?? ""}, will try to kill it`);
      }
    }
    let failure = await this.deletePods(this.pods, this.expectations, key, involved, plan.delete.map((d) => d.pod));
    // Slow start: 1, 2, 4, … pods at a time, stopping at the first failure (a quota or an
    // invalid template fails every create alike).
    let next = 0;
    for (let batch = 1; next < plan.create.length; batch *= 2) {
      const slice = plan.create.slice(next, next + batch);
      next += slice.length;
      const results = await Promise.allSettled(slice.map((c) => this.pods.create(c.pod)));
      let failed = false;
      results.forEach((r, i) => {
        if (r.status === "fulfilled") {
          this.events.record(involved, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
          return;
        }
        failed = true;
        this.expectations.creationObserved(key);
        failure ??= r.reason;
        this.events.record(involved, "Warning", "FailedCreate", `Error creating pod for node ${slice[i].nodeName}: ${errorMessage(r.reason)}`);
      });
      if (failed) {
        for (let i = next; i < plan.create.length; i++) this.expectations.creationObserved(key);
        break;
      }
    }
    return failure;
  }

  /** A fresh read, as upstream: adopt only for a DaemonSet that still exists and is not terminating. */
  private async canAdopt(ds: DaemonSetObject): Promise<boolean> {
    const fresh = await this.daemonSets.tryGet(ds.metadata.namespace, ds.metadata.name!);
    return fresh !== undefined && fresh.metadata.uid === ds.metadata.uid && !fresh.metadata.deletionTimestamp;
  }

  private async writeStatus(ds: DaemonSetObject, status: object): Promise<void> {
    if (canonicalJson(ds.status ?? {}) === canonicalJson(status)) return;
    try {
      await this.daemonSets.update(ds.metadata.namespace, ds.metadata.name!, (current) => {
        // A newer spec than this pass saw gets its own pass; never report an older generation.
        if (current.metadata.uid !== ds.metadata.uid || current.metadata.generation !== ds.metadata.generation) return undefined;
        return { ...current, status };
      }, { statusOnly: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }
}

/** Node changes that can change where daemon pods belong. */
function nodeChanged(old: NodeObject, node: NodeObject): boolean {
  return (
    canonicalJson(old.metadata.labels ?? {}) !== canonicalJson(node.metadata.labels ?? {}) ||
    canonicalJson(old.spec?.taints ?? []) !== canonicalJson(node.spec?.taints ?? []) ||
    old.spec?.unschedulable !== node.spec?.unschedulable ||
    old.metadata.deletionTimestamp !== node.metadata.deletionTimestamp
  );
}

/** Leader component factory for master/leader-components.ts. */
export function daemonSetControllerComponent(deps: ComponentDeps, options: DaemonSetControllerOptions = {}): LeaderComponent {
  return leaderComponent("daemonset-controller", deps, (d) => new DaemonSetController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
