// Pod-only defaults (SetDefaults_Pod) and the fields Kubernetes' default admission plugins fill
// in, so `kubectl get pod -o yaml` shows what it shows on a real cluster:
//   - ServiceAccount: serviceAccountName "default" (and the mirrored deprecated serviceAccount);
//   - DefaultTolerationSeconds: tolerate not-ready/unreachable nodes for 300s;
//   - Priority: priority 0 and preemptionPolicy PreemptLowerPriority without a priority class.
// Gantry does not project service-account tokens, so the `kube-api-access-*` volume is not added.

import { defaultPodSpec } from "./pod-spec";
import { type Obj, ensureObj, isObj, objList, setIfAbsent, setIfEmpty, str } from "./util";

export const DEFAULT_TOLERATION_SECONDS = 300;
const NOT_READY = "node.kubernetes.io/not-ready";
const UNREACHABLE = "node.kubernetes.io/unreachable";
/** The built-in priority classes every cluster has. */
const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  "system-cluster-critical": 2000000000,
  "system-node-critical": 2000001000,
};

/** Requests default to limits for containers that set only limits (this is what makes them Guaranteed). */
function requestsFromLimits(ctr: Obj): void {
  const resources = ensureObj(ctr, "resources");
  if (!isObj(resources.limits)) return;
  const requests = ensureObj(resources, "requests");
  for (const [name, value] of Object.entries(resources.limits)) if (!(name in requests)) requests[name] = value;
}

/** Under hostNetwork a container port is a host port. */
function hostNetworkPorts(ctr: Obj): void {
  for (const port of objList(ctr, "ports")) {
    if (port.hostPort === undefined || port.hostPort === null || port.hostPort === 0) port.hostPort = port.containerPort;
  }
}

/** A toleration already covering `key` for NoExecute (an empty key or effect matches all). */
function tolerates(tolerations: Obj[], key: string): boolean {
  return tolerations.some((t) => (str(t.key) === key || str(t.key) === "") && (str(t.effect) === "NoExecute" || str(t.effect) === ""));
}

function defaultTolerations(spec: Obj): void {
  const tolerations = objList(spec, "tolerations");
  const added: Obj[] = [];
  for (const key of [NOT_READY, UNREACHABLE]) {
    if (!tolerates(tolerations, key)) {
      added.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
    }
  }
  if (added.length > 0) spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
}

function defaultPriority(spec: Obj): void {
  const className = str(spec.priorityClassName);
  if (className === "") setIfAbsent(spec, "priority", 0);
  else if (className in SYSTEM_PRIORITY_CLASSES) setIfAbsent(spec, "priority", SYSTEM_PRIORITY_CLASSES[className]);
  if (className === "" || className in SYSTEM_PRIORITY_CLASSES) setIfAbsent(spec, "preemptionPolicy", "PreemptLowerPriority");
}

export function defaultPod(pod: Obj): void {
  const spec = ensureObj(pod, "spec");
  for (const list of ["containers", "initContainers"]) for (const ctr of objList(spec, list)) requestsFromLimits(ctr);
  setIfAbsent(spec, "enableServiceLinks", true);
  if (spec.hostNetwork === true) {
    for (const list of ["containers", "initContainers"]) for (const ctr of objList(spec, list)) hostNetworkPorts(ctr);
  }
  setIfEmpty(spec, "serviceAccountName", str(spec.serviceAccount) || "default");
  defaultPodSpec(spec);
  defaultTolerations(spec);
  defaultPriority(spec);
}
