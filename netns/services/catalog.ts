// The node's view of the cluster's Services and their endpoints, fed by the master's
// ServiceUpdate messages (proto/agent.proto) and read by the service proxy, the DNS server and
// the Service environment variables of new pods. Pure bookkeeping: no I/O.
//
// A full update replaces everything; a delta replaces the services it names as a whole and
// drops the removed ones. Listeners hear which keys changed, after the catalog has changed.

/** One Service as the node serves it (proto ServiceView, without the wire types). */
export interface ServiceInfo {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  type: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  /** Empty for headless and ExternalName services. */
  clusterIPs: string[];
  headless: boolean;
  ports: ServicePort[];
  sessionAffinity: "None" | "ClientIP";
  sessionAffinityTimeoutSeconds: number;
  externalTrafficPolicy: "Cluster" | "Local";
  internalTrafficPolicy: "Cluster" | "Local";
  loadBalancerIPs: string[];
  externalIPs: string[];
  externalName: string;
  publishNotReadyAddresses: boolean;
  endpoints: Endpoint[];
  healthCheckNodePort: number;
}

export interface ServicePort {
  name: string;
  protocol: "TCP" | "UDP" | "SCTP";
  port: number;
  /** 0 when the service has none. */
  nodePort: number;
}

export interface Endpoint {
  addresses: string[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName: string;
  hostname: string;
  podName: string;
  zone: string;
  /** The service ports this endpoint serves, by service port name, with resolved numbers. */
  ports: { name: string; protocol: "TCP" | "UDP" | "SCTP"; port: number }[];
}

export interface ServiceUpdateInput {
  full: boolean;
  upsert: ServiceInfo[];
  /** "namespace/name" keys. */
  remove: string[];
}

export interface CatalogChange {
  full: boolean;
  /** Keys ("namespace/name") added or replaced. */
  changed: string[];
  removed: string[];
}

export type CatalogListener = (change: CatalogChange) => void;

export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ServiceCatalog {
  private readonly services = new Map<string, ServiceInfo>();
  private readonly listeners = new Set<CatalogListener>();
  private synced = false;
  private restored = false;
  private readonly syncWaiters: (() => void)[] = [];

  /** True once a full set has arrived: before that the catalog may be missing services. */
  isSynced(): boolean {
    return this.synced;
  }

  /** True once a full set has arrived or an earlier run's view was restored (restore()). */
  hasView(): boolean {
    return this.synced || this.restored;
  }

  /**
   * Fills the catalog with the view an earlier run of the agent saved, until the master's first
   * full set replaces it; ignored once synced. It does not count as synced: consumers that must
   * not act on a possibly stale view (none so far) wait for whenSynced().
   */
  restore(services: ServiceInfo[]): void {
    if (this.synced) return;
    this.restored = true;
    const removed = [...this.services.keys()];
    this.services.clear();
    for (const s of services) this.services.set(serviceKey(s.namespace, s.name), s);
    const change: CatalogChange = { full: true, changed: [...this.services.keys()], removed: removed.filter((k) => !this.services.has(k)) };
    for (const l of this.listeners) l(change);
  }

  /** Resolves once a full set has arrived. */
  whenSynced(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  apply(update: ServiceUpdateInput): CatalogChange {
    const removed: string[] = [];
    const changed: string[] = [];
    if (update.full) {
      const incoming = new Set(update.upsert.map((s) => serviceKey(s.namespace, s.name)));
      for (const key of this.services.keys()) {
        if (!incoming.has(key)) {
          this.services.delete(key);
          removed.push(key);
        }
      }
    }
    for (const key of update.remove) {
      if (this.services.delete(key)) removed.push(key);
    }
    for (const s of update.upsert) {
      const key = serviceKey(s.namespace, s.name);
      this.services.set(key, s);
      changed.push(key);
    }
    const change: CatalogChange = { full: update.full, changed, removed };
    if (update.full && !this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    for (const l of this.listeners) l(change);
    return change;
  }

  get(namespace: string, name: string): ServiceInfo | undefined {
    return this.services.get(serviceKey(namespace, name));
  }

  list(): ServiceInfo[] {
    return [...this.services.values()];
  }

  inNamespace(namespace: string): ServiceInfo[] {
    return this.list().filter((s) => s.namespace === namespace);
  }

  subscribe(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
