// The visible side of leadership: the coordination.k8s.io/v1 Lease kube-system/gantry-master,
// as `kubectl get lease -n kube-system` shows it. The etcd leader key decides who leads; this
// object only reports it, so a failed write never changes leadership.
//
// Writes are compare-and-swap (ResourceClient.update) and never replace the record of a newer
// epoch, so a deposed leader's late write cannot hide its successor.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import type { ApiContext } from "../registry/context";
import { clientFor, type ResourceClient } from "../registry/internal-client";
import { CONTROLLER_MANAGER_USER } from "../auth/internal-users";
import type { Logger } from "../log";
import { formatMicroTime as microTime } from "../../api/time";

export const LEASE_NAME = "gantry-master";
export const LEASE_NAMESPACE = "kube-system";
export const EPOCH_ANNOTATION = "gantry.io/leader-epoch";

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaseObjectPublisher {
  private readonly leases: ResourceClient;
  private writing = false;
  private next: { epoch: number; acquired: boolean } | undefined;

  constructor(
    ctx: ApiContext,
    private readonly identity: string,
    private readonly leaseDurationSeconds: number,
    /** Whether this master still leads in `epoch`; checked before every write. */
    private readonly leads: (epoch: number) => boolean,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.leases = clientFor(ctx, "coordination.k8s.io", "v1", "leases", CONTROLLER_MANAGER_USER);
  }

  /** Queues a write; while one is in flight only the newest request is kept. */
  publish(epoch: number, acquired: boolean): void {
    // An acquisition must not be coalesced into a plain renewal.
    this.next = { epoch, acquired: acquired || (this.next?.epoch === epoch && this.next.acquired) };
    if (!this.writing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.next) {
        const { epoch, acquired } = this.next;
        this.next = undefined;
        if (!this.leads(epoch)) continue;
        try {
          await this.write(epoch, acquired);
        } catch (err) {
          this.log.warn({ err, epoch }, `could not update Lease ${LEASE_NAMESPACE}/${LEASE_NAME}; the next renewal retries`);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(epoch: number, acquired: boolean): Promise<void> {
    const now = microTime(this.clock());
    const existing = await this.leases.tryGet(LEASE_NAMESPACE, LEASE_NAME);
    if (!existing) {
      try {
        await this.leases.create(this.fresh(epoch, now));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
      }
    }
    await this.leases.update(LEASE_NAMESPACE, LEASE_NAME, (current) => {
      if (storedEpoch(current) > epoch || !this.leads(epoch)) return undefined;
      return nextLease(current, { identity: this.identity, epoch, acquired, now, leaseDurationSeconds: this.leaseDurationSeconds });
    });
  }

  private fresh(epoch: number, now: string): KubeObject {
    const spec: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: this.leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: LEASE_NAME, namespace: LEASE_NAMESPACE, annotations: { [EPOCH_ANNOTATION]: String(epoch) } },
      spec,
    };
  }
}

/**
 * The Lease after a write by the leader of `epoch`. Pure. A new term (another epoch than the
 * stored one) sets acquireTime; a new holder also counts a transition, as Kubernetes does.
 */
export function nextLease(current: KubeObject, w: { identity: string; epoch: number; acquired: boolean; now: string; leaseDurationSeconds: number }): KubeObject {
  const spec = { ...((current.spec ?? {}) as LeaseSpec) };
  const newTerm = w.acquired || storedEpoch(current) !== w.epoch;
  if (newTerm) {
    if (spec.holderIdentity !== undefined && spec.holderIdentity !== w.identity) spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    spec.leaseTransitions ??= 0;
    spec.acquireTime = w.now;
  }
  spec.holderIdentity = w.identity;
  spec.leaseDurationSeconds = w.leaseDurationSeconds;
  spec.renewTime = w.now;
  return {
    ...current,
    metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [EPOCH_ANNOTATION]: String(w.epoch) } },
    spec,
  };
}

function storedEpoch(lease: KubeObject): number {
  const n = Number(lease.metadata.annotations?.[EPOCH_ANNOTATION]);
  return Number.isFinite(n) ? n : 0;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, UTC (api/time.ts). */
export { microTime };
