// A leader controller that keeps one named object in every namespace: the `default`
// ServiceAccount (serviceaccounts-controller.ts) and the `kube-root-ca.crt` ConfigMap
// (root-ca-publisher.ts), as kube-controller-manager's serviceaccount-controller and
// root-ca-cert-publisher do. Keyed by namespace: a new namespace, a change or deletion of the
// object, and every resync bring it back. Terminating namespaces are left alone (nothing new
// can be made in them).

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { ResourceClient } from "../registry/internal-client";
import type { InformerLease } from "../cache/shared-informers";
import { Controller, type ControllerOptions } from "../controllers/controller-base";

const NAMESPACES = findResource("", "v1", "namespaces")!;

export interface NamespaceObject {
  /** The controller's name in logs and events. */
  controller: string;
  resource: ResourceType;
  name: string;
  /** The object to create in `namespace`. */
  desired(namespace: string): KubeObject;
  /** The object to write instead of `current`, or undefined when it is as it should be. */
  corrected?(current: KubeObject): KubeObject | undefined;
}

export class NamespaceObjectController extends Controller {
  private readonly client: ResourceClient;
  private namespaces?: InformerLease;
  private objects?: InformerLease;

  constructor(
    ctx: ApiContext,
    options: ControllerOptions,
    private readonly spec: NamespaceObject,
  ) {
    super(ctx, options, { name: spec.controller, quietConflicts: true });
    this.client = this.clientOf(spec.resource);
  }

  protected async watch(): Promise<void> {
    const queueNamespace = (ns: KubeObject) => this.queue.add(ns.metadata.name!);
    const queueObject = (o: KubeObject) => {
      if (o.metadata.name === this.spec.name && o.metadata.namespace) this.queue.add(o.metadata.namespace);
    };
    this.namespaces = await this.lease(NAMESPACES, { add: queueNamespace, update: (_old, ns) => queueNamespace(ns) });
    this.objects = await this.lease(this.spec.resource, { update: (_old, o) => queueObject(o), delete: queueObject });
  }

  enqueueAll(): void {
    for (const ns of this.namespaces?.list() ?? []) this.queue.add(ns.metadata.name!);
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces?.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") return;
    const current = this.objects?.get(`${namespace}/${this.spec.name}`);
    if (!current) return this.create(namespace);
    const corrected = this.spec.corrected;
    if (!corrected || !corrected(current)) return;
    await this.client.update(namespace, this.spec.name, (latest) => corrected(latest)).catch(ignore(404));
  }

  private async create(namespace: string): Promise<void> {
    try {
      await this.client.create(this.spec.desired(namespace));
    } catch (err) {
      if (err instanceof ApiError && err.reason === "AlreadyExists") {
        // The cache is behind: look again once it has caught up (a corrected() may be due).
        this.queue.addAfter(namespace, 1000);
        return;
      }
      // The namespace went away or started terminating meanwhile.
      if (err instanceof ApiError && (err.code === 404 || err.code === 403)) return;
      throw err;
    }
  }
}

function ignore(code: number): (err: unknown) => void {
  return (err) => {
    if (!(err instanceof ApiError && err.code === code)) throw err;
  };
}
