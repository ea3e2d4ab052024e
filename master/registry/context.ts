// What every part of the master that touches the API shares: the injected clock and ids, the
// cluster's address plan, the namespace cache admission reads, the authorizer, Pod Security's
// configuration, the master's metrics (its own registry: several masters may share a test
// process), read access to each resource, and the registry: the one path every write takes
// (registry.ts).

import { randomUUID } from "node:crypto";
import { findResource, storagePrefix, type ResourceType } from "../../api/resources";
import { Informer } from "../cache/informer";
import type { RbacPolicy } from "../../api/rbac/policy";
import { rbacEscalationAdmission } from "../auth/rbac-escalation";
import { chainAuthorizer, type Authorizer } from "../auth/access";
import { PodIndex } from "../auth/node-graph";
import type { RulesResolver } from "../auth/rules";
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
  /**
   * Lists what a user may do (SelfSubjectRulesReview, `kubectl auth can-i --list`), for the
   * authorizer that can say (RBAC). Unset: only system:masters' rules can be listed.
   */
  rules?: RulesResolver;
  /** Validating admission, in order, after validation (admission.ts); NodeRestriction first. */
  readonly admission: ValidatingAdmission[] = [...defaultValidatingAdmission(), rbacEscalationAdmission(() => this.rbac)];
  /** The write path: create, update, patch, delete, bind, evict (authorized, then admitted). */
  readonly registry: Registry;
  /** The store, for reading only (informers); writes go through `registry`. */
  readonly store: StoreReader;
  /** Pod Security admission's defaults and exemptions (the master sets them from its flags). */
  podSecurity: PodSecurityConfig = defaultPodSecurityConfig();
  readonly metrics: MasterMetrics;
  /**
   * The RBAC objects authorization reads (master/auth/rbac-cache.ts), set by the API server
   * before it listens. Unset, the chain's last rule allows (in-process tests only).
   */
  rbac?: RbacPolicy;

  constructor(
    store: Store,
    readonly clock: { now(): Date } = { now: () => new Date() },
    readonly newUid: () => string = randomUUID,
    /** The cluster's address plan (ClusterIPs come from its service range). */
    readonly network: ClusterNetwork = ClusterNetwork.from(),
    seams: { authorizer?: Authorizer; rules?: RulesResolver; metrics?: MasterMetrics } = {},
  ) {
    this.store = store;
    this.metrics = seams.metrics ?? new MasterMetrics();
    this.authorizer = seams.authorizer ?? chainAuthorizer(this.nodeGraph, () => this.rbac);
    this.rules = seams.rules;
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
