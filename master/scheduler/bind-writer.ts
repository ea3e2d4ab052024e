// Writing bindings. The scheduler binds through the registry as system:kube-scheduler
// (master/registry/registry.ts bindPods): each pod is authorized and admitted as a pods/binding
// create, then a whole batch is written in compare-and-swap etcd transactions
// (master/registry/bind-batch.ts). The BindWriter seam lets tests put their own writer in.

import type { KubeObject } from "../../api/object";
import type { User } from "../auth/user";
import type { ApiContext } from "../registry/context";
import type { BindOutcome } from "../registry/bind-batch";
import type { WriteFence } from "../registry/write-fence";

export type { BindOutcome };

export interface BindRequest {
  /** The pod as stored (the informer's copy); its resourceVersion is the compare. */
  pod: KubeObject;
  nodeName: string;
  /** When the pod was first queued (performance.now()), for latency metrics; not written. */
  queuedAt?: number;
  /** When the scheduling cycle that chose the node began (performance.now()), for metrics. */
  attemptStartedAt?: number;
}

export interface BindWriter {
  /** One outcome per request, same order. Never rejects for a per-pod failure. */
  write(requests: readonly BindRequest[]): Promise<BindOutcome[]>;
}

/** Binds through the registry as `user`; with a fence (the leader's term), a deposed leader's binds fail. */
export class RegistryBindWriter implements BindWriter {
  constructor(
    private readonly ctx: ApiContext,
    private readonly user: User,
    private readonly fence?: WriteFence,
  ) {}

  write(requests: readonly BindRequest[]): Promise<BindOutcome[]> {
    return this.ctx.registry.bindPods(this.user, requests, this.fence);
  }
}
