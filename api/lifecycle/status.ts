// What `status` holds right after create. Clients cannot set status on create (controllers own
// it), so each kind starts from its zero status as Kubernetes serializes it — Go omits empty
// optional fields but keeps the required counters, hence e.g. `{replicas: 0}` for a ReplicaSet.
// Pods start Pending with their QoS class; Namespaces start Active; Nodes keep what the agent
// reported when it registered.

import type { KubeObject } from "../object";
import { isObj } from "../validation/json";
import { computeQosClass } from "./qos";

type StatusFactory = (obj: KubeObject) => Record<string, unknown> | undefined;

const SCHEDULING_GATED = {
  type: "PodScheduled",
  status: "False",
  reason: "SchedulingGated",
  message: "Scheduling is blocked due to non-empty scheduling gates",
};

const INITIAL_STATUS: Readonly<Record<string, StatusFactory>> = {
  Pod: (pod) => {
    const spec = isObj(pod.spec) ? pod.spec : {};
    const gated = Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0;
    return { phase: "Pending", qosClass: computeQosClass(pod), ...(gated ? { conditions: [{ ...SCHEDULING_GATED }] } : {}) };
  },
  Namespace: () => ({ phase: "Active" }),
  Node: (node) => (isObj(node.status) ? node.status : undefined),
  Service: () => ({ loadBalancer: {} }),
  ReplicationController: () => ({ replicas: 0 }),
  Deployment: () => ({}),
  ReplicaSet: () => ({ replicas: 0 }),
  DaemonSet: () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  StatefulSet: () => ({ replicas: 0, availableReplicas: 0 }),
  Job: () => ({}),
  CronJob: () => ({}),
  HorizontalPodAutoscaler: () => ({ desiredReplicas: 0 }),
  // A request starts with no conditions and no certificate, whatever the client sent.
  CertificateSigningRequest: () => ({}),
};

/** Sets the create-time status; kinds without a status keep whatever they have (usually none). */
export function resetStatusForCreate(kind: string, obj: KubeObject): void {
  const factory = INITIAL_STATUS[kind];
  if (!factory) return;
  const status = factory(obj);
  if (status === undefined) delete obj.status;
  else obj.status = status;
}
