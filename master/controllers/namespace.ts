// Namespace controller: a namespace being deleted (deletionTimestamp set, phase Terminating)
// is emptied of every namespaced object, then its "kubernetes" finalizer is removed, which
// completes its deletion. Level-triggered: every pass recomputes what is left to delete, so a
// master restart in the middle simply continues. It writes as
// system:serviceaccount:kube-system:namespace-controller through the registry: deletes, and the
// namespaces/finalize update that releases the namespace.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource, RESOURCES, type ResourceType } from "../../api/resources";
import { controllerUser } from "../auth/internal-users";
import type { ApiContext } from "../registry/context";
import { namespaceFinalizers } from "../registry/deletion";
import { acquireInformer, type InformerLease } from "../cache/shared-informers";

const NAMESPACES = findResource("", "v1", "namespaces")!;
const FINALIZER = "kubernetes";
const USER = controllerUser("namespace-controller");

/** One entry per stored resource: served versions that share storage are emptied once. */
function namespacedStorageResources(): ResourceType[] {
  return RESOURCES.filter((r) => r.namespaced && (r.group !== "autoscaling" || r.storageVersion));
}

export class NamespaceController {
  private lease?: InformerLease;
  private resync?: NodeJS.Timeout;
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly log: (msg: string, err?: unknown) => void = () => {},
    private readonly resyncMs = 30_000,
  ) {}

  async start(): Promise<void> {
    // The shared informer relists whenever its watch ends (a 410 after compaction, an etcd
    // restart), so a namespace marked for deletion is seen within about a second, not only at
    // the next resync.
    this.lease = await acquireInformer(
      this.ctx,
      NAMESPACES,
      { add: (ns) => this.enqueue(ns), update: (_old, ns) => this.enqueue(ns) },
      { replay: true, onError: (err) => this.log("namespace watch ended; relisting", err) },
    );
    this.resync = setInterval(() => void this.resyncAll(), this.resyncMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resync) clearInterval(this.resync);
    await this.lease?.release();
  }

  private async resyncAll(): Promise<void> {
    const list = await this.ctx.storeFor(NAMESPACES).list(undefined).catch(() => undefined);
    for (const ns of list?.items ?? []) this.enqueue(ns);
  }

  private enqueue(ns: KubeObject): void {
    const name = ns.metadata.name!;
    if (this.stopped || !ns.metadata.deletionTimestamp || this.busy.has(name)) return;
    this.busy.add(name);
    this.finalize(name)
      .catch((err) => this.log(`emptying namespace ${name} failed; will retry`, err))
      .finally(() => this.busy.delete(name));
  }

  /** Deletes everything in the namespace, then releases the namespace itself. */
  async finalize(namespace: string): Promise<void> {
    let remaining = 0;
    for (const r of namespacedStorageResources()) {
      const items = (await this.ctx.storeFor(r).list(namespace)).items;
      for (const obj of items) {
        remaining++;
        try {
          // Pods on nodes get zero grace here: their namespace is going away with them.
          await this.ctx.registry.delete(USER, { resource: r, namespace, name: obj.metadata.name! }, { propagationPolicy: "Background", gracePeriodSeconds: 0 });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
    }
    if (remaining > 0) {
      // Objects with finalizers of their own may linger; check again soon.
      const again = await this.stillHasContent(namespace);
      if (again) {
        setTimeout(() => void this.ctx.storeFor(NAMESPACES).get(undefined, namespace).then((ns) => this.enqueue(ns), () => {}), 1000);
        return;
      }
    }
    // Through namespaces/finalize; the registry deletes the namespace once nothing holds it.
    await this.ctx.registry.update(
      USER,
      { resource: NAMESPACES, name: namespace },
      (ns) => ({ ...ns, spec: { ...(ns.spec as object), finalizers: namespaceFinalizers(ns).filter((f) => f !== FINALIZER) } }),
      { subresource: "finalize" },
    );
  }

  private async stillHasContent(namespace: string): Promise<boolean> {
    for (const r of namespacedStorageResources()) {
      if ((await this.ctx.storeFor(r).list(namespace, { limit: 1 })).items.length > 0) return true;
    }
    return false;
  }
}
