// `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE
// | SUBOBJECT SOURCE FIRST SEEN COUNT NAME (wide columns sit between and after the others).
//
// Events written through events.k8s.io/v1 (eventTime, series) and through core/v1
// (firstTimestamp, lastTimestamp, count) are both handled: FIRST SEEN falls back to eventTime,
// LAST SEEN to FIRST SEEN, and a series overrides both the last time and the count.

import type { Event } from "kubernetes-types/core/v1";
import type { KubeObject } from "../object";
import { NAME_COLUMN, column, wide } from "./columns";
import { parseTime, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
  column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
  column(
    "Reason",
    "string",
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column("Object", "string", "The object that this event is about."),
  wide(
    "Subobject",
    "string",
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
  ),
  wide("Source", "string", "The component reporting this event. Should be a short machine understandable string."),
  column("Message", "string", "A human-readable description of the status of this operation."),
  wide("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
  wide("Count", "string", "The number of times this event has occurred."),
  { ...NAME_COLUMN, priority: 1 },
];

/** `kubelet, node1`: component and host, each falling back to the reporting controller/instance. */
function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const ev = obj as unknown as Event;
  const firstSeen = parseTime(ev.firstTimestamp) !== undefined ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let lastSeen = parseTime(ev.lastTimestamp) !== undefined ? since(ev.lastTimestamp, now) : firstSeen;
  let count = ev.count ?? 0;
  if (ev.series) {
    lastSeen = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events written through events.k8s.io/v1 carry no count.
    count = 1;
  }
  const involved = ev.involvedObject ?? {};
  const kind = (involved.kind ?? "").toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return {
    cells: [
      lastSeen,
      ev.type ?? "",
      ev.reason ?? "",
      target,
      involved.fieldPath ?? "",
      eventSource(ev),
      (ev.message ?? "").trim(),
      firstSeen,
      count,
      obj.metadata.name ?? "",
    ],
  };
}

export const eventPrinter: KindPrinter = { columns, print };
