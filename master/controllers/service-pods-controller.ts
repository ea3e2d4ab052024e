// What the Endpoints and EndpointSlice controllers share: keys are Services ("namespace/name"),
// queued on every Service event and on every pod event that changes what a selecting Service's
// endpoints depend on (service-backends.ts: serviceKeysForPodEvent).

import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { InformerLease } from "../cache/shared-informers";
import { Controller } from "./controller-base";
import { keyOf } from "./controller-utils";
import { serviceKeysForPodEvent } from "./service-backends";

const SERVICES = findResource("", "v1", "services")!;
const PODS = findResource("", "v1", "pods")!;

export abstract class ServicePodsController extends Controller {
  protected services?: InformerLease;
  protected pods?: InformerLease;

  /** Leases Services and pods with handlers that queue Service keys. */
  protected async leaseServicesAndPods(): Promise<void> {
    const queueKey = (o: KubeObject) => this.queue.add(keyOf(o));
    this.services = await this.lease(SERVICES, { add: queueKey, update: (_old, s) => queueKey(s), delete: queueKey });
    const servicesIn = (ns: string) => this.services?.list(ns) ?? [];
    const podEvent = (old: KubeObject | undefined, pod: KubeObject | undefined) => {
      for (const key of serviceKeysForPodEvent(servicesIn, old, pod)) this.queue.add(key);
    };
    this.pods = await this.lease(PODS, { add: (p) => podEvent(undefined, p), update: (old, p) => podEvent(old, p), delete: (p) => podEvent(p, undefined) });
  }

  /** Queues every Service. */
  enqueueAll(): void {
    for (const s of this.services?.list() ?? []) this.queue.add(keyOf(s));
  }
}
