// `kubectl get pods`: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES.
//
// STATUS is not a field: it is derived the way Kubernetes' pod printer derives it, in this order:
//   1. status.reason, else status.phase (`SchedulingGated` if the PodScheduled condition says so);
//   2. the first init container that has not finished successfully: `Init:<reason>`,
//      `Init:ExitCode:<n>`, `Init:Signal:<n>`, or `Init:<i>/<n>` while it runs; a started
//      sidecar (an init container with restartPolicy Always) counts as finished;
//   3. once initialised, the app containers from last to first, so the first container wins:
//      a waiting reason (`ContainerCreating`, `CrashLoopBackOff`, `ImagePullBackOff`...), a
//      terminated reason (`Completed`, `Error`, `OOMKilled`), or `ExitCode:<n>`/`Signal:<n>`;
//      `Completed` with a container still running reads `Running` (or `NotReady`);
//   4. a deletionTimestamp makes it `Terminating` (`Unknown` if the node was lost) unless the
//      pod already Succeeded or Failed.
// RESTARTS adds `(5m ago)` when a container has a recorded last termination.

import type { Container, ContainerState, ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { humanDuration } from "./duration";
import { count, parseTime, since } from "./format";
import type { KindPrinter, PrintedRow, TableRowCondition } from "./types";

const NODE_UNREACHABLE_REASON = "NodeLost";

const columns = [
  NAME_COLUMN,
  column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
  column("Status", "string", "The aggregate status of the containers in this pod."),
  column(
    "Restarts",
    "string",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  AGE_COLUMN,
  wide("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
  wide(
    "Node",
    "string",
    "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
  ),
  wide(
    "Nominated Node",
    "string",
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
  ),
  wide(
    "Readiness Gates",
    "string",
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
  ),
];

const SUCCEEDED: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const FAILED: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];

/** Restart totals and the most recent container termination among the containers counted. */
interface Restarts {
  count: number;
  /** ms since epoch of the latest lastState.terminated.finishedAt; -Infinity when none. */
  last: number;
}

function addRestarts(into: Restarts, cs: ContainerStatus): void {
  into.count += count(cs.restartCount);
  const finished = cs.lastState?.terminated ? (parseTime(cs.lastState.terminated.finishedAt) ?? -Infinity) : -Infinity;
  if (finished > into.last) into.last = finished;
}

function terminatedReason(t: NonNullable<ContainerState["terminated"]>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${count(t.exitCode)}`;
}

function conditionTrue(conditions: PodCondition[] | undefined, type: string): boolean {
  // Only the first condition of a type counts, as in Kubernetes.
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === "True";
}

function isSidecar(c: Container | undefined): boolean {
  return c?.restartPolicy === "Always";
}

interface PodState {
  ready: number;
  total: number;
  reason: string;
  restarts: Restarts;
}

/** READY, STATUS and RESTARTS, computed together as they share one walk over the containers. */
function podState(pod: Pod): PodState {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const initSpecs = spec?.initContainers ?? [];
  const initByName = new Map(initSpecs.map((c) => [c.name, c]));
  const phase = status.phase ?? "";

  const total = (spec?.containers ?? []).length + initSpecs.filter(isSidecar).length;
  let ready = 0;
  let reason = status.reason || phase;
  if ((status.conditions ?? []).some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  let restarts: Restarts = { count: 0, last: -Infinity };
  const sidecarRestarts: Restarts = { count: 0, last: -Infinity };
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isSidecar(initByName.get(cs.name));
    addRestarts(restarts, cs);
    if (sidecar) addRestarts(sidecarRestarts, cs);

    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && count(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = terminatedReason(terminated, "Init:");
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, "Initialized")) {
    // Init containers that ran to completion do not count; sidecars keep running and do.
    restarts = { ...sidecarRestarts };
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      addRestarts(restarts, cs);
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminatedReason(terminated, "");
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = conditionTrue(status.conditions, "Ready") ? "Running" : "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) {
    reason = "Unknown";
  } else if (pod.metadata?.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }

  return { ready, total, reason, restarts };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const passed = gates.filter((g) => conditionTrue(pod.status?.conditions, g.conditionType)).length;
  return `${passed}/${gates.length}`;
}

/** The IP Kubernetes reports: status.podIP wins over podIPs[0] when both are set (v1 conversion rule). */
function podIP(pod: Pod): string {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || "<none>";
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const pod = obj as unknown as Pod;
  const { ready, total, reason, restarts } = podState(pod);
  const restartCell =
    restarts.count !== 0 && restarts.last !== -Infinity
      ? `${restarts.count} (${humanDuration(now.getTime() - restarts.last)} ago)`
      : String(restarts.count);
  const row: PrintedRow = {
    cells: [
      obj.metadata.name ?? "",
      `${ready}/${total}`,
      reason,
      restartCell,
      since(obj.metadata.creationTimestamp, now),
      podIP(pod),
      pod.spec?.nodeName || "<none>",
      pod.status?.nominatedNodeName || "<none>",
      readinessGates(pod),
    ],
  };
  if (pod.status?.phase === "Succeeded") row.conditions = SUCCEEDED;
  if (pod.status?.phase === "Failed") row.conditions = FAILED;
  return row;
}

export const podPrinter: KindPrinter = { columns, print };
