// What every request handler may use: the per-resource stores, the injected clock and ids, and
// the master's metrics (its own registry: several masters may share a test process).

import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { findResource, RESOURCES, storagePrefix, type ResourceType } from "../../api/resources";
import { Informer } from "../cache/informer";
import { MasterMetrics } from "../metrics/master-metrics";
import type { User } from "../auth/user";
import type { Store } from "../store/types";
import { ClusterNetwork } from "../cluster-network";
import { ResourceStore } from "./resource-store";

export class ApiContext {
  private readonly stores = new Map<ResourceType, ResourceStore>();
  /** Namespaces, cached for admission: every namespaced write checks its namespace. */
  readonly namespaces: Informer;

  constructor(
    readonly store: Store,
    readonly clock: { now(): Date } = { now: () => new Date() },
    readonly newUid: () => string = randomUUID,
    /** The cluster's address plan (ClusterIPs come from its service range). */
    readonly network: ClusterNetwork = ClusterNetwork.from(),
    readonly metrics: MasterMetrics = new MasterMetrics(),
  ) {
    for (const r of RESOURCES) this.stores.set(r, new ResourceStore(store, r));
    this.namespaces = new Informer(store, storagePrefix(findResource("", "v1", "namespaces")!));
  }

  storeFor(resource: ResourceType): ResourceStore {
    const s = this.stores.get(resource);
    if (!s) throw new Error(`no store for ${resource.plural}`);
    return s;
  }

  /** The store of a core or named-group resource by plural, in its preferred version. */
  storeOf(group: string, version: string, plural: string): ResourceStore {
    const r = findResource(group, version, plural);
    if (!r) throw new Error(`unknown resource ${group}/${version}/${plural}`);
    return this.storeFor(r);
  }
}

/** One request addressed to a resource, after routing and authentication. */
export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** nodes/<name>/proxy/<path>: the path after proxy/ ("metrics"). */
  proxyPath?: string;
  ctx: ApiContext;
  /** Who asked (authenticated and authorized); admission that depends on the requester reads it. */
  user?: User;
}
