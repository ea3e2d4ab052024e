// The wiring every keyed controller here shares (ReplicaSet, Deployment, DaemonSet, Job, CronJob,
// the garbage collector), written once so each controller file keeps only its own logic:
//
//   - a WorkQueue of keys whose handler is the controller's `sync(key)`;
//   - leases on shared informers (master/cache/shared-informers.ts) whose handlers queue keys;
//   - a periodic resync that queues every key again, so a lost event is never lost for long;
//   - an EventRecorder under the controller's name;
//   - its user (a kube-system service account, master/auth/internal-users.ts), whose clients
//     (`this.clientOf(resource)`) write through the registry, authorized and admitted;
//   - stop(): resync off, queue drained (running syncs finish), leases released newest first.
//
// A subclass writes three methods:
//
//   watch()       takes its leases with `this.lease(resource, handlers)`
//   enqueueAll()  queues every object it reconciles (after watch(), and every resyncMs)
//   sync(key)     one reconcile pass for one key
//
// Controllers are not restartable objects: leaderComponent (controller-utils.ts) builds a fresh
// one for every leadership term, so start() and stop() each run once.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import type { ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { controllerUser } from "../auth/internal-users";
import type { User } from "../auth/user";
import { ResourceClient } from "../registry/internal-client";
import { acquireInformer, releaseAll, type InformerHandlers, type InformerLease } from "../cache/shared-informers";
import { keyOf } from "./controller-utils";
import type { Expectations } from "./controller-utils-expectations";
import { WorkQueue, type QueueTimers } from "./controller-utils-queue";
import { EventRecorder } from "./events";

export interface ControllerOptions {
  log?: (msg: string, err?: unknown) => void;
  /** Every key is synced again this often, whatever the events. Default 30 s. */
  resyncMs?: number;
  /** Keys synced at once. Default 2. */
  concurrency?: number;
  /** For tests: timers of the work queue. */
  timers?: QueueTimers;
}

export interface ControllerIdentity {
  /** Its name in log lines and as the source of its Events, e.g. "replicaset-controller". */
  name: string;
  /**
   * The service account it writes as (system:serviceaccount:kube-system:<serviceAccount>), when
   * upstream's differs from `name` (the garbage collector is generic-garbage-collector).
   */
  serviceAccount?: string;
  /**
   * Conflicts (409) are routine for this controller (its writes race newer versions of the
   * objects) and are retried without a log line.
   */
  quietConflicts?: boolean;
}

export abstract class Controller {
  protected readonly queue: WorkQueue;
  protected readonly events: EventRecorder;
  protected readonly log: (msg: string, err?: unknown) => void;
  /** Who this controller writes as. */
  protected readonly user: User;
  private readonly leases: { release(): Promise<void> }[] = [];
  private resync?: NodeJS.Timeout;

  constructor(
    protected readonly ctx: ApiContext,
    protected readonly options: ControllerOptions,
    private readonly identity: ControllerIdentity,
  ) {
    const log = (this.log = options.log ?? (() => {}));
    this.user = controllerUser(identity.serviceAccount ?? identity.name);
    this.queue = new WorkQueue((key) => this.sync(key), {
      concurrency: options.concurrency,
      timers: options.timers,
      // workqueue_* metrics under the controller's short name ("replicaset", "deployment", ...).
      metrics: ctx.metrics.workqueues.queue(identity.name.replace(/-controller$/, "")),
      onError: (key, err) => {
        if (identity.quietConflicts && err instanceof ApiError && err.code === 409) return;
        log(`${identity.name}: syncing ${key} failed; will retry`, err);
      },
    });
    this.events = new EventRecorder(ctx, identity.name, this.user, (err) => log(`${identity.name}: recording an event failed`, err));
  }

  /** Takes the informer leases (this.lease) whose events queue keys. */
  protected abstract watch(): Promise<void>;

  /** Queues every object this controller reconciles. */
  abstract enqueueAll(): void;

  /** One reconcile pass for `key`; a throw retries the key with back-off. */
  abstract sync(key: string): Promise<void>;

  async start(): Promise<void> {
    await this.watch();
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.options.resyncMs ?? 30_000);
    this.resync.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.resync);
    await this.queue.shutDown();
    await releaseAll(this.leases.splice(0).reverse());
  }

  /** Resolves when no key is queued or syncing. For tests. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** A client of `resource` that writes as this controller's user. */
  protected clientOf(resource: ResourceType): ResourceClient {
    return new ResourceClient(this.ctx, resource, this.user);
  }

  /** A lease on the shared informer of `resource` with `handlers` attached; stop() releases it. */
  protected async lease<T extends KubeObject = KubeObject>(resource: ResourceType, handlers: InformerHandlers<T>): Promise<InformerLease<T>> {
    const lease = await acquireInformer<T>(this.ctx, resource, handlers, {
      onError: (err) => this.log(`${this.identity.name}: watch failed; relisting`, err),
    });
    this.leases.push(lease);
    return lease;
  }

  /**
   * Deletes the pods of a sync pass, in parallel, each with a uid precondition (a newer pod
   * with the same name is never hit), recording SuccessfulDelete / FailedDelete on `involved`.
   * A delete that failed will never be observed, so it leaves `key`'s expectations at once; a
   * pod already gone (404) is not a failure. Returns the first real error, if any.
   */
  protected async deletePods(pods: ResourceClient, expectations: Expectations, key: string, involved: KubeObject, victims: KubeObject[]): Promise<unknown> {
    const results = await Promise.allSettled(victims.map((pod) => pods.delete(pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })));
    let failure: unknown;
    results.forEach((r, i) => {
      const pod = victims[i];
      if (r.status === "fulfilled") {
        // Observed only when the informer sees it go (or start terminating).
        this.events.record(involved, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        return;
      }
      expectations.deletionObserved(key, keyOf(pod));
      if (r.reason instanceof ApiError && r.reason.code === 404) return;
      failure ??= r.reason;
      this.events.record(involved, "Warning", "FailedDelete", `Error deleting: ${errorMessage(r.reason)}`);
    });
    return failure;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
