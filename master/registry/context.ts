// What every part of the master that touches the API shares: the injected clock and ids, the
// cluster's address plan, the namespace cache admission reads, the authorizer, Pod Security's
// configuration, the master's metrics (its own registry: several masters may share a test
// process), read access to each resource, and the registry: the one path every write takes
// (registry.ts).

import { randomUUID } from "node:crypto";
import { findResource, storagePrefix, type ResourceType } from "../../api/resources";
import { Informer } from "../cache/informer";
import { chainAuthorizer, type Authorizer } from "../auth/access";
import { PodIndex } from "../auth/node-graph";
import type { Store, StoreReader } from "../store/types";
import { ClusterNetwork } from "../cluster-network";
import { MasterMetrics } from "../metrics/master-metrics";
import { defaultPodSecurityConfig, type PodSecurityConfig } from "../pod-security/config";
import { defaultValidatingAdmission, type ValidatingAdmission } from "./admission";
import { Registry } from "./registry";
import type { ResourceReader } from "./resource-store";

export class ApiContext {
  /** Namespaces, cached for admission: every namespaced write checks its namespace. */
  readonly namespaces: Informer;
  /** Which node each pod is bound to, for the Node authorizer; master/auth/caches.ts feeds it. */
  readonly nodeGraph = new PodIndex();
  /** Decides every request and every write (master/auth/access.ts). */
  readonly authorizer: Authorizer;
  /** Validating admission, in order, after validation (admission.ts); NodeRestriction first. */
  readonly admission: ValidatingAdmission[] = defaultValidatingAdmission();
  /** The write path: create, update, patch, delete, bind, evict (authorized, then admitted). */
  readonly registry: Registry;
  /** The store, for reading only (informers); writes go through `registry`. */
  readonly store: StoreReader;
  /** Pod Security admission's defaults and exemptions (the master sets them from its flags). */
  podSecurity: PodSecurityConfig = defaultPodSecurityConfig();
  readonly metrics: MasterMetrics;

  constructor(
    store: Store,
    readonly clock: { now(): Date } = { now: () => new Date() },
    readonly newUid: () => string = randomUUID,
    /** The cluster's address plan (ClusterIPs come from its service range). */
    readonly network: ClusterNetwork = ClusterNetwork.from(),
    seams: { authorizer?: Authorizer; metrics?: MasterMetrics } = {},
  ) {
    this.store = store;
    this.metrics = seams.metrics ?? new MasterMetrics();
    this.authorizer = seams.authorizer ?? chainAuthorizer(this.nodeGraph);
    this.registry = new Registry(this, store);
    this.namespaces = new Informer(store, storagePrefix(findResource("", "v1", "namespaces")!));
  }

  /** Reads of one resource (get, list, watch) in its served version. */
  storeFor(resource: ResourceType): ResourceReader {
    return this.registry.reader(resource);
  }

  /** The reads of a core or named-group resource by plural, in its preferred version. */
  storeOf(group: string, version: string, plural: string): ResourceReader {
    const r = findResource(group, version, plural);
    if (!r) throw new Error(`unknown resource ${group}/${version}/${plural}`);
    return this.storeFor(r);
  }
}
