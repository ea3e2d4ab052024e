// applyDefaults: the fields Kubernetes fills in when an object is written, so Gantry stores and
// returns what a real cluster would. It never changes a field the client set, and applying it
// twice changes nothing. HorizontalPodAutoscalers may arrive as autoscaling/v1 or v2 (see hpa.ts).

import type { KubeObject } from "../object";
import { defaultBinding } from "../rbac/defaults";
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController, defaultStatefulSet } from "./apps";
import { defaultCronJob, defaultJob } from "./batch";
import { defaultEndpoints, defaultNamespace, defaultNode, defaultSecret } from "./core";
import { defaultEndpointSlice } from "./discovery";
import { defaultHPA } from "./hpa";
import { defaultPod } from "./pod";
import { defaultService } from "./service";
import type { Obj } from "./util";

export { defaultPullPolicy, imageTag } from "./image";
export { DEFAULT_TOLERATION_SECONDS } from "./pod";
export { NAMESPACE_NAME_LABEL } from "./core";

const DEFAULTERS: Readonly<Record<string, (o: Obj) => void>> = {
  Pod: defaultPod,
  Service: defaultService,
  Secret: defaultSecret,
  Namespace: defaultNamespace,
  Node: defaultNode,
  Endpoints: defaultEndpoints,
  EndpointSlice: defaultEndpointSlice,
  ReplicationController: defaultReplicationController,
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  DaemonSet: defaultDaemonSet,
  StatefulSet: defaultStatefulSet,
  Job: defaultJob,
  CronJob: defaultCronJob,
  HorizontalPodAutoscaler: defaultHPA,
  RoleBinding: defaultBinding,
  ClusterRoleBinding: defaultBinding,
};

/** A defaulted deep copy of `obj`; the input is not modified. Kinds without defaults are copied as-is. */
export function applyDefaults(kind: string, obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  DEFAULTERS[kind]?.(copy as unknown as Obj);
  return copy;
}
