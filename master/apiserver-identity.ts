// This master's apiserver identity Lease, `kube-system/apiserver-<master name>` (kube-apiserver
// keeps one per instance, labelled apiserver.kubernetes.io/identity=kube-apiserver), renewed every
// 10 s with a 30 s duration, and carrying the address and port the master's API is reached at.
// The leader's kubernetes endpoints controller lists the live ones as the endpoints of the
// `default/kubernetes` Service, so pods reach every running master at 10.96.0.1:443. Every
// master runs it, leader or not; a graceful stop deletes the Lease, so the master leaves the
// endpoints at once rather than after 30 s.

import { randomUUID } from "node:crypto";
import { ApiError } from "../api/errors";
import type { KubeObject } from "../api/object";
import type { ApiContext } from "./registry/context";
import { APISERVER_USER } from "./auth/internal-users";
import { clientFor, type ResourceClient } from "./registry/internal-client";
import {
  ADVERTISE_ANNOTATION,
  IDENTITY_LABEL,
  IDENTITY_LEASE_DURATION_SECONDS,
  IDENTITY_LEASE_NAMESPACE,
  IDENTITY_VALUE,
  identityLeaseName,
} from "./controllers/kubernetes-endpoints-core";
import { microTime } from "./election/lease-object";
import type { Logger } from "./log";

const RENEW_EVERY_MS = 10_000;

export class ApiserverIdentityLease {
  private readonly leases: ResourceClient;
  private readonly name: string;
  private readonly holder: string;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private stopped = false;

  constructor(
    ctx: ApiContext,
    master: string,
    /** Where other hosts reach this master's API, e.g. 10.0.0.1:6443. */
    private readonly advertised: string,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.leases = clientFor(ctx, "coordination.k8s.io", "v1", "leases", APISERVER_USER);
    this.name = identityLeaseName(master);
    this.holder = `${this.name}_${randomUUID()}`;
  }

  /** Writes the Lease now and every 10 s after. */
  start(): void {
    this.renew();
    this.timer = setInterval(() => this.renew(), RENEW_EVERY_MS);
    this.timer.unref();
  }

  /** Stops renewing and deletes the Lease (this master no longer serves). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.writing;
    await this.leases.delete(IDENTITY_LEASE_NAMESPACE, this.name).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.code === 404)) this.log.warn({ err }, `deleting the apiserver identity Lease ${this.name} failed; it expires in ${IDENTITY_LEASE_DURATION_SECONDS} s`);
    });
  }

  private renew(): void {
    if (this.writing || this.stopped) return;
    this.writing = this.write()
      .catch((err: unknown) => this.log.warn({ err }, `renewing the apiserver identity Lease ${this.name} failed; retrying in 10 s`))
      .finally(() => (this.writing = undefined));
  }

  private async write(): Promise<void> {
    const now = microTime(this.clock());
    if (!(await this.leases.tryGet(IDENTITY_LEASE_NAMESPACE, this.name))) {
      try {
        await this.leases.create(this.fresh(now));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
      }
    }
    await this.leases.update(IDENTITY_LEASE_NAMESPACE, this.name, (current) => {
      const spec = (current.spec ?? {}) as Record<string, unknown>;
      const renewed = spec.holderIdentity !== this.holder ? { ...spec, holderIdentity: this.holder, acquireTime: now } : { ...spec };
      return {
        ...current,
        metadata: {
          ...current.metadata,
          labels: { ...current.metadata.labels, [IDENTITY_LABEL]: IDENTITY_VALUE },
          annotations: { ...current.metadata.annotations, [ADVERTISE_ANNOTATION]: this.advertised },
        },
        spec: { ...renewed, leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS, renewTime: now },
      };
    });
  }

  private fresh(now: string): KubeObject {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.name,
        namespace: IDENTITY_LEASE_NAMESPACE,
        labels: { [IDENTITY_LABEL]: IDENTITY_VALUE },
        annotations: { [ADVERTISE_ANNOTATION]: this.advertised },
      },
      spec: { holderIdentity: this.holder, leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS, acquireTime: now, renewTime: now },
    };
  }
}
