// Agent events (proto Event) as core/v1 Events, the way a kubelet writes them: source
// component "kubelet" with the node as host, one Event object per agent series (the agent
// folds repeats into count and timestamps, so a repeat updates the object instead of adding
// one). Pure; the dispatcher does the writes.

import { createHash } from "node:crypto";
import type { JsonObject, KubeObject } from "../../api/object";
import { seriesNameSuffix } from "../../api/event-names";
import { formatTime } from "../../api/time";
import { Event_Type, type Event } from "../../proto/gen/agent";

/**
 * Where the Event object lives: its namespace and a name stable for the series,
 * `<object>.<hex ns>` from the series' first occurrence (see api/event-names.ts), so an object's
 * events list, and `kubectl describe` shows them, in the order they happened.
 */
export function eventObjectKey(nodeName: string, e: Event): { namespace: string; name: string } {
  const forPod = e.podName !== "";
  const digest = createHash("sha256").update(`${nodeName}|${e.seriesId}|${e.podUid}`).digest("hex");
  const first = Date.parse(e.firstTimestamp);
  return {
    namespace: forPod ? e.podNamespace || "default" : "default",
    name: `${forPod ? e.podName : nodeName}.${seriesNameSuffix(Number.isNaN(first) ? 0 : first, digest)}`,
  };
}

/**
 * The Event object for a report. `pod` (from the cache) supplies the involved object's
 * resourceVersion and tells init containers from the others; `node` names the node.
 */
export function eventObject(nodeName: string, e: Event, now: string, node?: KubeObject, pod?: KubeObject): KubeObject {
  const { namespace, name } = eventObjectKey(nodeName, e);
  const forPod = e.podName !== "";
  const involved: JsonObject = forPod
    ? { apiVersion: "v1", kind: "Pod", namespace: e.podNamespace, name: e.podName, uid: e.podUid || pod?.metadata.uid }
    : { apiVersion: "v1", kind: "Node", name: nodeName, uid: node?.metadata.uid ?? nodeName };
  if (forPod && pod?.metadata.resourceVersion) involved.resourceVersion = pod.metadata.resourceVersion;
  if (forPod && e.containerName) involved.fieldPath = containerFieldPath(pod, e.containerName);
  // The agent sends times in milliseconds (the series' name needs them); Events keep seconds.
  const first = normalizeSeconds(e.firstTimestamp) || now;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace },
    involvedObject: involved,
    reason: e.reason,
    message: e.message,
    type: e.type === Event_Type.TYPE_WARNING ? "Warning" : "Normal",
    source: { component: "kubelet", host: nodeName },
    reportingComponent: "kubelet",
    reportingInstance: nodeName,
    firstTimestamp: first,
    lastTimestamp: normalizeSeconds(e.lastTimestamp) || now,
    count: Math.max(1, e.count),
  };
}

/** Newer reports of a series change only the counters, timestamps and message. */
export function updateEventObject(existing: KubeObject, fresh: KubeObject): KubeObject {
  return {
    ...existing,
    message: fresh.message,
    type: fresh.type,
    count: Math.max(Number(existing.count ?? 1), Number(fresh.count ?? 1)),
    lastTimestamp: fresh.lastTimestamp,
  };
}

function containerFieldPath(pod: KubeObject | undefined, container: string): string {
  const spec = (pod?.spec ?? {}) as { initContainers?: { name: string }[] };
  const init = (spec.initContainers ?? []).some((c) => c.name === container);
  return `spec.${init ? "initContainers" : "containers"}{${container}}`;
}

/** An RFC 3339 time of any precision as Kubernetes writes Event times (whole seconds); "" if unreadable. */
function normalizeSeconds(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? "" : formatTime(ms);
}
