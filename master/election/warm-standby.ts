// Warm standby: every master, leader or not, keeps the shared informers (master/cache/
// shared-informers.ts) of every stored resource running, so the leader components of a new term
// lease caches that are already full instead of listing the whole cluster first, and a master
// that leads again resumes from where its caches are instead of relisting. Takeover after a
// leader dies then costs the election, not the election plus a list of everything (the garbage
// collector alone leases every resource: ~1 s of sequential lists on the shared test machine).
//
// The price: each master holds a copy of the cluster's objects and follows every change, as every
// kube-apiserver's watch cache does. The leader held all of it already (garbage collector).
// Being the oldest lessee of each informer, this is the one told when a watch ends (and logs it).

import type { ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { acquireInformer, releaseAll, type InformerLease } from "../cache/shared-informers";
import type { Logger } from "../log";

/** Pause before trying a failed first list again. */
const RETRY_MS = 1000;

export class WarmStandby {
  private readonly leases: InformerLease[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: ApiContext,
    private readonly resources: readonly ResourceType[],
    private readonly log: Logger,
  ) {}

  /** Starts filling the caches in the background, one resource after another. */
  start(): void {
    this.running ??= this.fill();
  }

  /** Resolves once every cache has its first list (or stop() was called). */
  async ready(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await releaseAll(this.leases.splice(0));
  }

  private async fill(): Promise<void> {
    const t0 = performance.now();
    for (const resource of this.resources) {
      while (!this.stopped) {
        try {
          this.leases.push(await acquireInformer(this.ctx, resource, {}, { onError: (err) => this.log.warn({ err, resource: resource.plural }, "shared informer watch ended; relisting") }));
          break;
        } catch (err) {
          this.log.warn({ err, resource: resource.plural }, "standby cache: first list failed; retrying");
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    }
    if (!this.stopped) this.log.info({ resources: this.leases.length, ms: Math.round(performance.now() - t0) }, "standby caches warm");
  }
}
