// Job controller: runs pods until a Job has its completions, or fails it after backoffLimit pod
// failures or activeDeadlineSeconds. The decisions are in job-core.ts; this file is the I/O.
//
// Each pass reads the Job fresh from the store (not the cache) and writes its status with a
// compare-and-swap, so a stale cache can never make it count a pod twice or start one too many.
// Pods whose tracking finalizer it removed are remembered until the cache shows it gone.
// Pods that still hold the finalizer but whose Job is gone (deleted with its pods orphaned,
// or a namespace being emptied) are let go.
//
// Events: SuccessfulCreate `Created pod: <name>`, SuccessfulDelete `Deleted pod: <name>`,
// Completed `Job completed`, BackoffLimitExceeded / DeadlineExceeded warnings, Suspended/Resumed.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, errorMessage, type ControllerOptions } from "./controller-base";
import { Expectations, adopt, controllerRef, keyOf, leaderComponent, planClaims, release, splitKey, type PodObject } from "./controller-utils";
import { DEFAULT_JOB_TIMINGS, TRACKING_FINALIZER, planJob, type JobObject, type JobPlan, type JobTimings } from "./job-core";
import { selectorMatcherOf } from "./replicaset-plan";

const JOBS = findResource("batch", "v1", "jobs")!;
const PODS = findResource("", "v1", "pods")!;
const GVK = { apiVersion: "batch/v1", kind: "Job" };
/** Queue keys of pods to release, apart from Job keys ("namespace/name"). */
const ORPHAN = "orphan-pod:";

export interface JobControllerOptions extends ControllerOptions {
  /** Back-off before replacing failed pods (Kubernetes: 10 s doubling to 6 min). */
  timings?: Partial<JobTimings>;
}

export class JobController extends Controller {
  private readonly expectations = new Expectations(() => this.ctx.clock.now().getTime());
  /** Per Job key: uids of pods whose finalizer was removed but may still show in the cache. */
  private readonly finalizerRemoved = new Map<string, Set<string>>();
  private readonly pods = this.clientOf(PODS);
  private readonly jobs = this.clientOf(JOBS);
  private readonly timings: JobTimings;
  private jobLease?: InformerLease<JobObject>;
  private podLease?: InformerLease<PodObject>;

  constructor(ctx: ApiContext, options: JobControllerOptions = {}) {
    super(ctx, options, { name: "job-controller" });
    this.timings = { ...DEFAULT_JOB_TIMINGS, ...options.timings };
  }

  protected async watch(): Promise<void> {
    this.jobLease = await this.lease<JobObject>(JOBS, {
      add: (job) => this.queue.add(keyOf(job)),
      update: (_old, job) => this.queue.add(keyOf(job)),
      delete: (job) => {
        this.expectations.delete(keyOf(job));
        this.finalizerRemoved.delete(keyOf(job));
        // Its pods may still hold finalizers.
        for (const pod of this.podLease?.list(job.metadata.namespace) ?? []) if (controllerRef(pod)?.uid === job.metadata.uid) this.podEvent(pod, "update");
      },
    });
    this.podLease = await this.lease<PodObject>(PODS, {
      add: (pod) => this.podEvent(pod, "add"),
      update: (old, pod) => {
        if (controllerRef(old)?.uid !== controllerRef(pod)?.uid) this.podEvent(old, "update");
        this.podEvent(pod, pod.metadata.deletionTimestamp ? "delete" : "update");
      },
      delete: (pod) => this.podEvent(pod, "delete", true),
    });
  }

  override async start(): Promise<void> {
    await super.start();
    // Pods already cached raised no events here: look at each once (pods holding the tracking
    // finalizer of a Job that is gone are found only this way).
    for (const pod of this.podLease?.list() ?? []) this.podEvent(pod, "update");
  }

  /** Queues every Job (resync, tests advancing a clock). */
  enqueueAll(): void {
    for (const job of this.jobLease?.list() ?? []) this.queue.add(keyOf(job));
  }

  /** One queue key: a Job ("namespace/name"), or an orphaned pod to release (ORPHAN + pod key). */
  async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN)) return this.releaseOrphan(key.slice(ORPHAN.length));
    return this.syncJob(key);
  }

  private owner(pod: KubeObject): JobObject | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== GVK.kind) return undefined;
    const job = this.jobLease?.get(namespacedKey(pod.metadata.namespace, ref.name));
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  private podEvent(pod: PodObject, kind: "add" | "update" | "delete", gone = false): void {
    const job = this.owner(pod);
    const holds = (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
    if (!job) {
      if (holds && !gone) this.queue.add(`${ORPHAN}${keyOf(pod)}`);
      if (!controllerRef(pod)) {
        for (const candidate of this.jobLease?.list(pod.metadata.namespace) ?? []) {
          if (selectorMatcherOf(candidate)(pod.metadata.labels)) this.queue.add(keyOf(candidate));
        }
      }
      return;
    }
    const key = keyOf(job);
    if (kind === "add") this.expectations.creationObserved(key);
    if (kind === "delete") this.expectations.deletionObserved(key, keyOf(pod));
    if (gone || !holds) this.finalizerRemoved.get(key)?.delete(pod.metadata.uid ?? "");
    this.queue.add(key);
  }

  /** One reconcile pass for the Job at `key`. */
  private async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobLease?.get(key);
    if (!cached || !this.podLease) {
      this.expectations.delete(key);
      this.finalizerRemoved.delete(key);
      return;
    }
    const job = (await this.jobs.tryGet(namespace, name)) as JobObject | undefined;
    if (!job || job.metadata.uid !== cached.metadata.uid) return;
    const now = this.ctx.clock.now();

    const matches = selectorMatcherOf(job);
    const claims = planClaims<PodObject>(job, (p) => matches(p.metadata.labels), this.podLease.list(namespace));
    const owned = [...claims.owned];
    if (claims.adopt.length > 0 && !job.metadata.deletionTimestamp) {
      for (const pod of claims.adopt) {
        const adopted = await adopt(this.pods, job, GVK, pod);
        if (adopted) owned.push(adopted as PodObject);
      }
    }
    for (const pod of claims.release) await release(this.pods, job, pod);
    if (!this.expectations.satisfied(key)) return;

    const removed = this.finalizerRemoved.get(key) ?? new Set<string>();
    const plan = planJob({ job, pods: owned, now, timings: this.timings, finalizerRemoved: removed });
    await this.carryOut(key, job, plan, removed);
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  private async carryOut(key: string, job: JobObject, plan: JobPlan, removed: Set<string>): Promise<void> {
    const involved = { ...job, apiVersion: GVK.apiVersion, kind: GVK.kind };
    if (plan.delete.length > 0 || plan.create.length > 0) this.expectations.expect(key, plan.create.length, plan.delete.map(keyOf));

    // 1. Deletions (a failing job's active pods, excess pods).
    let failure = await this.deletePods(this.pods, this.expectations, key, involved, plan.delete);
    if (failure !== undefined) {
      for (let i = 0; i < plan.create.length; i++) this.expectations.creationObserved(key);
      throw failure;
    }

    // 2. Status, compare-and-swap against the Job this pass read: uncounted pods are on record
    //    before their finalizers go.
    let current = job;
    if (plan.status) {
      current = (await this.jobs.replace({ ...job, status: plan.status }, { statusOnly: true })) as JobObject;
      for (const e of plan.events) this.events.record({ ...current, apiVersion: GVK.apiVersion, kind: GVK.kind }, e.type, e.reason, e.message);
    }

    // 3. Finalizers.
    if (plan.removeFinalizers.length > 0) {
      if (!this.finalizerRemoved.has(key)) this.finalizerRemoved.set(key, removed);
      await Promise.all(plan.removeFinalizers.map(async (pod) => {
        await this.dropFinalizer(pod);
        removed.add(pod.metadata.uid ?? "");
      }));
      // Count them for good on the next pass.
      this.queue.add(key);
    }

    // 4. New pods, in slow-start batches.
    let next = 0;
    for (let batch = 1; next < plan.create.length; batch *= 2) {
      const slice = plan.create.slice(next, next + batch);
      next += slice.length;
      const results = await Promise.allSettled(slice.map((pod) => this.pods.create(pod)));
      for (const r of results) {
        if (r.status === "fulfilled") {
          this.events.record(involved, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
          continue;
        }
        this.expectations.creationObserved(key);
        failure ??= r.reason;
        this.events.record(involved, "Warning", "FailedCreate", `Error creating: ${errorMessage(r.reason)}`);
      }
      if (failure !== undefined) {
        for (let i = next; i < plan.create.length; i++) this.expectations.creationObserved(key);
        throw failure;
      }
    }

    // 5. ttlSecondsAfterFinished.
    if (plan.deleteJob) {
      await this.jobs.delete(current.metadata.namespace, current.metadata.name!, { propagationPolicy: "Foreground", preconditions: { uid: current.metadata.uid } }).catch((err) => {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      });
    }
  }

  private async dropFinalizer(pod: PodObject): Promise<void> {
    try {
      await this.pods.update(pod.metadata.namespace, pod.metadata.name!, (current) => {
        if (current.metadata.uid !== pod.metadata.uid || !(current.metadata.finalizers ?? []).includes(TRACKING_FINALIZER)) return undefined;
        const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER);
        return { ...current, metadata: { ...current.metadata, finalizers: finalizers.length > 0 ? finalizers : undefined } };
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  /** A pod holding the tracking finalizer whose Job is gone: let it go. */
  private async releaseOrphan(podKey: string): Promise<void> {
    const pod = this.podLease?.get(podKey);
    if (!pod || !(pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER) || this.owner(pod)) return;
    const ref = controllerRef(pod);
    if (ref?.kind === GVK.kind) {
      // The cache may just not have the Job yet: ask the store.
      const job = await this.jobs.tryGet(pod.metadata.namespace, ref.name);
      if (job && job.metadata.uid === ref.uid) return;
    }
    await this.dropFinalizer(pod);
  }
}

/** Leader component factory for master/leader-components.ts. */
export function jobControllerComponent(deps: ComponentDeps, options: JobControllerOptions = {}): LeaderComponent {
  return leaderComponent("job-controller", deps, (d) => new JobController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
