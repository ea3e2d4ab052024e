// Every component only the leader runs, in start order. Explicit registration (STYLE.md): each
// module exports a factory; this file is the one place that lists them.
//
// They all read the cluster through the shared informers of `deps.ctx`
// (master/cache/shared-informers.ts): one etcd watch and one cached copy per resource, however
// many components lease it. Every master also keeps those informers warm whether it leads or not
// (election/warm-standby.ts, the resources of standbyResources()), so a new term starts from full
// caches instead of listing the cluster first.

import type { ResourceType } from "../api/resources";
import type { ComponentDeps, LeaderComponent } from "./component";
import { NamespaceController } from "./controllers/namespace";
import { replicaSetControllerComponent } from "./controllers/replicaset";
import { deploymentControllerComponent } from "./controllers/deployment";
import { garbageCollectorComponent, storedResources } from "./controllers/gc";
import { daemonSetControllerComponent } from "./controllers/daemonset";
import { jobControllerComponent } from "./controllers/job";
import { cronJobControllerComponent } from "./controllers/cronjob";
import { nodeLifecycleControllerComponent } from "./controllers/node-lifecycle";
import { kubeDnsEndpointsComponent } from "./controllers/kube-dns-endpoints";
import { kubernetesEndpointsComponent } from "./controllers/kubernetes-endpoints";
import { endpointsControllerComponent } from "./controllers/endpoints";
import { endpointSliceControllerComponent } from "./controllers/endpointslice";
import { loadBalancerStatusControllerComponent } from "./controllers/loadbalancer-status";
import { createScheduler } from "./scheduler";
import { Dispatcher } from "./dispatch/dispatcher";
import { csrApproverComponent } from "./certificates/approver";
import { csrSignerComponent } from "./certificates/signer";
import { tokenCleanerComponent } from "./bootstrap-tokens/cleaner";
import { clusterInfoSignerComponent } from "./bootstrap-tokens/cluster-info-signer";
import { DEFAULT_COMPACTION_INTERVAL_MS, EtcdCompactor } from "./store/compactor";
import { RaftLeaderMover } from "./election/raft-leader-mover";
import { serviceAccountsControllerComponent } from "./serviceaccounts/serviceaccounts-controller";
import { rootCaPublisherComponent } from "./serviceaccounts/root-ca-publisher";
import { clusterRoleAggregationComponent } from "./rbac/aggregation-controller";

export function buildLeaderComponents(deps: ComponentDeps): LeaderComponent[] {
  const signer = csrSignerComponent(deps);
  return [
    // First, so it is stopped last; it only maintains etcd and needs nothing else running.
    ...etcdCompactor(deps),
    // Keeps etcd's raft leader on another master, so one master's death is one recovery, not two.
    ...raftLeaderMover(deps),
    // Joining first: TLS bootstrap (tokens, cluster-info, CSRs) does not wait for the workload controllers.
    tokenCleanerComponent(deps),
    clusterInfoSignerComponent(deps),
    csrApproverComponent(deps),
    ...(signer ? [signer] : []),
    wrapNamespaceController(deps),
    // Before the workload controllers: their pods need each namespace's account and CA ConfigMap.
    serviceAccountsControllerComponent(deps),
    ...rootCaPublisherComponent(deps),
    clusterRoleAggregationComponent(deps),
    garbageCollectorComponent(deps),
    deploymentControllerComponent(deps),
    replicaSetControllerComponent(deps),
    daemonSetControllerComponent(deps),
    jobControllerComponent(deps),
    cronJobControllerComponent(deps),
    nodeLifecycleControllerComponent(deps, gracePeriodOption(deps)),
    kubeDnsEndpointsComponent(deps),
    kubernetesEndpointsComponent(deps),
    endpointsControllerComponent(deps),
    endpointSliceControllerComponent(deps),
    loadBalancerStatusControllerComponent(deps),
    createScheduler(deps),
    // Last: sessions start once the controllers that shape pods are running.
    new Dispatcher(deps),
  ];
}

/** What the leader components read through shared informers: every stored resource (the garbage
 *  collector leases them all). Every master keeps these warm (master.ts, WarmStandby). */
export function standbyResources(): ResourceType[] {
  return storedResources();
}

function wrapNamespaceController(deps: ComponentDeps): LeaderComponent {
  let controller: NamespaceController | undefined;
  return {
    name: "namespace-controller",
    async start() {
      controller = new NamespaceController(deps.ctx, (msg, err) => deps.log.warn({ err }, msg));
      await controller.start();
    },
    async stop() {
      await controller?.stop();
      controller = undefined;
    },
  };
}

/** One compactor per cluster: the leader's (see store/compactor.ts for why not every master's). */
function etcdCompactor(deps: ComponentDeps): LeaderComponent[] {
  const intervalMs = deps.settings?.etcdCompactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  if (!deps.etcd || intervalMs <= 0) return [];
  return [new EtcdCompactor(deps.etcd, { intervalMs, log: deps.log, tls: deps.etcdTls })];
}

function raftLeaderMover(deps: ComponentDeps): LeaderComponent[] {
  if (!deps.etcd || !deps.leadership) return [];
  return [new RaftLeaderMover(deps.etcd, deps.leadership.identity, deps.etcdTls, deps.log.child({ component: "raft-leader-mover" }))];
}

function gracePeriodOption(deps: ComponentDeps): { gracePeriodMs?: number } {
  const seconds = deps.settings?.nodeMonitorGracePeriodSeconds;
  return seconds === undefined ? {} : { gracePeriodMs: seconds * 1000 };
}
