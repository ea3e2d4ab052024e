// CronJob controller: creates a Job for each fire time of a CronJob's schedule. The decisions
// are in cronjob-core.ts (and cron-schedule.ts); this file is the I/O.
//
// Time comes from the ApiContext's injected clock; after each pass the CronJob is queued again
// for its next fire time. Each pass reads the CronJob fresh from the store, and asks the store
// for any active Job the cache has not seen yet, so a lagging cache neither loses a run nor
// starts one twice (Job names are fixed per fire time anyway).
//
// Events: SuccessfulCreate `Created job <name>`, SawCompletedJob, SuccessfulDelete
// `Deleted job <name>`, JobAlreadyActive, MissSchedule, UnexpectedJob, MissingJob, FailedCreate.

import { ApiError } from "../../api/errors";
import { namespacedKey } from "../../api/object-key";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "./controller-base";
import { canonicalJson, controllerRef, keyOf, leaderComponent, splitKey } from "./controller-utils";
import { planCronJob, statusWithRun, type CronJobObject } from "./cronjob-core";
import type { JobObject } from "./job-core";

const CRONJOBS = findResource("batch", "v1", "cronjobs")!;
const JOBS = findResource("batch", "v1", "jobs")!;
const GVK = { apiVersion: "batch/v1", kind: "CronJob" };

export type CronJobControllerOptions = ControllerOptions;

export class CronJobController extends Controller {
  private readonly cronJobs = this.clientOf(CRONJOBS);
  private readonly jobs = this.clientOf(JOBS);
  private cjLease?: InformerLease<CronJobObject>;
  private jobLease?: InformerLease<JobObject>;

  constructor(ctx: ApiContext, options: CronJobControllerOptions = {}) {
    super(ctx, options, { name: "cronjob-controller" });
  }

  protected async watch(): Promise<void> {
    this.cjLease = await this.lease<CronJobObject>(CRONJOBS, {
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (old, cj) => {
        if (canonicalJson(old.spec ?? {}) !== canonicalJson(cj.spec ?? {}) || old.metadata.deletionTimestamp !== cj.metadata.deletionTimestamp) this.queue.add(keyOf(cj));
      },
    });
    this.jobLease = await this.lease<JobObject>(JOBS, {
      add: (job) => this.jobEvent(job),
      update: (_old, job) => this.jobEvent(job),
      delete: (job) => this.jobEvent(job),
    });
  }

  /** Queues every CronJob (resync, tests advancing a clock). */
  enqueueAll(): void {
    for (const cj of this.cjLease?.list() ?? []) this.queue.add(keyOf(cj));
  }

  private jobEvent(job: JobObject): void {
    const ref = controllerRef(job);
    if (ref?.kind === GVK.kind) this.queue.add(namespacedKey(job.metadata.namespace, ref.name));
  }

  /** One pass for the CronJob at `key`. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (!this.jobLease) return;
    const cj = (await this.cronJobs.tryGet(namespace, name)) as CronJobObject | undefined;
    if (!cj) return;
    const now = this.ctx.clock.now();
    const jobs = this.jobLease.list(namespace).filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
    // Active Jobs the cache has not caught up with yet.
    for (const ref of cj.status?.active ?? []) {
      if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      const fresh = (await this.jobs.tryGet(namespace, ref.name ?? "")) as JobObject | undefined;
      if (fresh && fresh.metadata.uid === ref.uid) jobs.push(fresh);
    }

    const plan = planCronJob({ cj, jobs, now });
    const involved = { ...cj, apiVersion: GVK.apiVersion, kind: GVK.kind };
    for (const e of plan.events) this.events.record(involved, e.type, e.reason, e.message);
    for (const { job } of plan.deleteJobs) {
      try {
        await this.jobs.delete(namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
        this.events.record(involved, "Normal", "SuccessfulDelete", `Deleted job ${job.metadata.name}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }

    let status = plan.status ?? cj.status;
    if (plan.create) {
      const created = await this.createJob(plan.create.job, cj, involved);
      if (created) status = statusWithRun(status, created, plan.create.scheduledTime);
    }
    if (canonicalJson(status ?? {}) !== canonicalJson(cj.status ?? {})) {
      // Compare-and-swap against the CronJob this pass read: a concurrent change means a new pass.
      await this.cronJobs.replace({ ...cj, status }, { statusOnly: true });
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs);
  }

  /** Creates the run's Job; a Job of that name we already own counts as created. */
  private async createJob(job: JobObject | Parameters<ResourceClient["create"]>[0], cj: CronJobObject, involved: object): Promise<JobObject | undefined> {
    try {
      const created = (await this.jobs.create(job)) as JobObject;
      this.events.record(involved as CronJobObject, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
      return created;
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") {
        const existing = (await this.jobs.tryGet(job.metadata.namespace, job.metadata.name!)) as JobObject | undefined;
        return existing && controllerRef(existing)?.uid === cj.metadata.uid ? existing : undefined;
      }
      this.events.record(involved as CronJobObject, "Warning", "FailedCreate", `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }
}

/** Leader component factory for master/leader-components.ts. */
export function cronJobControllerComponent(deps: ComponentDeps, options: CronJobControllerOptions = {}): LeaderComponent {
  return leaderComponent("cronjob-controller", deps, (d) => new CronJobController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg), ...options }));
}
