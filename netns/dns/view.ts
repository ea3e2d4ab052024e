// What the DNS answers are computed from: the node's service catalog, plus the node facts the
// agent learns from NodeConfig. CatalogDnsView keeps the indexes a query needs (namespaces,
// addresses for reverse lookups), rebuilt lazily after the catalog changes.

import type { Endpoint, ServiceCatalog, ServiceInfo } from "../services/catalog";
import { inCidr } from "./names";

export interface DnsView {
  /** The cluster domain, canonical (lower case, no trailing dot), e.g. cluster.local. */
  readonly domain: string;
  service(namespace: string, name: string): ServiceInfo | undefined;
  /** Whether any Service lives in `namespace` (the agent knows namespaces only through them). */
  hasNamespace(namespace: string): boolean;
  /** The Service whose cluster IP or external IP is `ip`, and the endpoints with that address. */
  byAddress(ip: string): { service?: ServiceInfo; endpoints: { service: ServiceInfo; endpoint: Endpoint; address: string }[] };
  /** Addresses inside the cluster and service ranges: their reverse names are ours to deny. */
  isClusterAddress(ip: string): boolean;
  /** The cluster DNS Service's addresses (the zone's name server, ns.dns.<domain>). */
  dnsServerAddresses(): string[];
  /** The SOA serial: changes whenever the catalog does. */
  serial(): number;
}

/** Whether an endpoint address is published: ready, or its Service publishes not-ready ones. */
export function published(service: ServiceInfo, endpoint: Endpoint): boolean {
  return endpoint.ready || service.publishNotReadyAddresses;
}

interface Indexes {
  namespaces: Set<string>;
  services: Map<string, ServiceInfo>;
  endpoints: Map<string, { service: ServiceInfo; endpoint: Endpoint; address: string }[]>;
}

/** What the node's configuration (NodeConfig) contributes. */
export interface ZoneFacts {
  clusterDomain: string;
  /** The cluster (pod) and service ranges. */
  clusterRanges: string[];
}

export class CatalogDnsView implements DnsView {
  private indexes: Indexes | undefined;
  private changedAt: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly facts: () => ZoneFacts,
    private readonly now: () => number = Date.now,
  ) {
    this.changedAt = Math.floor(now() / 1000);
    this.unsubscribe = catalog.subscribe(() => {
      this.indexes = undefined;
      this.changedAt = Math.floor(this.now() / 1000);
    });
  }

  get domain(): string {
    return this.facts().clusterDomain.toLowerCase().replace(/\.$/, "") || "cluster.local";
  }

  /** Stops following the catalog. */
  close(): void {
    this.unsubscribe();
  }

  service(namespace: string, name: string): ServiceInfo | undefined {
    return this.catalog.get(namespace, name);
  }

  hasNamespace(namespace: string): boolean {
    return this.index().namespaces.has(namespace);
  }

  byAddress(ip: string): ReturnType<DnsView["byAddress"]> {
    const i = this.index();
    return { service: i.services.get(ip), endpoints: i.endpoints.get(ip) ?? [] };
  }

  isClusterAddress(ip: string): boolean {
    return this.facts().clusterRanges.some((cidr) => inCidr(ip, cidr));
  }

  dnsServerAddresses(): string[] {
    return this.catalog.get("kube-system", "kube-dns")?.clusterIPs ?? [];
  }

  serial(): number {
    return this.changedAt;
  }

  private index(): Indexes {
    if (this.indexes) return this.indexes;
    const i: Indexes = { namespaces: new Set(), services: new Map(), endpoints: new Map() };
    for (const s of this.catalog.list()) {
      i.namespaces.add(s.namespace);
      for (const ip of [...s.clusterIPs, ...s.externalIPs]) if (!i.services.has(ip)) i.services.set(ip, s);
      for (const e of s.endpoints) {
        if (!published(s, e)) continue;
        for (const address of e.addresses) {
          const list = i.endpoints.get(address) ?? [];
          list.push({ service: s, endpoint: e, address });
          i.endpoints.set(address, list);
        }
      }
    }
    this.indexes = i;
    return i;
  }
}
