// Which fields a field selector may name, per kind, and how each field's value is read from an
// object. Kubernetes keeps these in two places (the field-label conversion funcs that reject
// unknown labels, and each registry's ToSelectableFields); one table here keeps them in step.
// Values are strings because selectors compare strings: booleans print as "true"/"false",
// numbers in decimal, and an absent field as "".

import type { JsonObject } from "../object";
import { isJsonObject } from "../object";

type Getter = (obj: JsonObject) => string;

/** Reads a dotted path (`spec.nodeName`); anything that is not a string, number or boolean is "". */
function path(dotted: string): Getter {
  const parts = dotted.split(".");
  return (obj) => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (!isJsonObject(cur)) return "";
      cur = cur[p];
    }
    if (typeof cur === "string") return cur;
    if (typeof cur === "number") return String(cur);
    if (typeof cur === "boolean") return String(cur);
    return "";
  };
}

/** Booleans that default to false print "false" when unset, as Go's zero value would. */
function bool(dotted: string): Getter {
  const get = path(dotted);
  return (obj) => (get(obj) === "true" ? "true" : "false");
}

/** Counters that default to 0 print "0" when unset. */
function count(dotted: string): Getter {
  const get = path(dotted);
  return (obj) => get(obj) || "0";
}

const META: Readonly<Record<string, Getter>> = {
  "metadata.name": path("metadata.name"),
  "metadata.namespace": path("metadata.namespace"),
};

/** The pod IP Kubernetes selects on is the first of `status.podIPs` (falling back to `podIP`). */
const podIP: Getter = (obj) => {
  const status = isJsonObject(obj.status) ? obj.status : {};
  const ips = Array.isArray(status.podIPs) ? status.podIPs : [];
  const first: unknown = ips[0];
  if (isJsonObject(first) && typeof first.ip === "string") return first.ip;
  return typeof status.podIP === "string" ? status.podIP : "";
};

/** Event `source` is the reporting component, or the newer reportingController when that is empty. */
const eventSource: Getter = (obj) => path("source.component")(obj) || path("reportingComponent")(obj);

const FIELDS: Readonly<Record<string, Readonly<Record<string, Getter>>>> = {
  Pod: {
    ...META,
    "spec.nodeName": path("spec.nodeName"),
    "spec.restartPolicy": path("spec.restartPolicy"),
    "spec.schedulerName": path("spec.schedulerName"),
    "spec.serviceAccountName": path("spec.serviceAccountName"),
    "spec.hostNetwork": bool("spec.hostNetwork"),
    "status.phase": path("status.phase"),
    "status.podIP": podIP,
    "status.nominatedNodeName": path("status.nominatedNodeName"),
  },
  Event: {
    ...META,
    "involvedObject.kind": path("involvedObject.kind"),
    "involvedObject.namespace": path("involvedObject.namespace"),
    "involvedObject.name": path("involvedObject.name"),
    "involvedObject.uid": path("involvedObject.uid"),
    "involvedObject.apiVersion": path("involvedObject.apiVersion"),
    "involvedObject.resourceVersion": path("involvedObject.resourceVersion"),
    "involvedObject.fieldPath": path("involvedObject.fieldPath"),
    reason: path("reason"),
    reportingComponent: path("reportingComponent"),
    source: eventSource,
    type: path("type"),
  },
  // Cluster-scoped kinds with their own rules reject metadata.namespace, as Kubernetes does.
  Node: { "metadata.name": META["metadata.name"], "spec.unschedulable": bool("spec.unschedulable") },
  Namespace: { "metadata.name": META["metadata.name"], "status.phase": path("status.phase") },
  Secret: { ...META, type: path("type") },
  Service: { ...META, "spec.clusterIP": path("spec.clusterIP"), "spec.type": path("spec.type") },
  ReplicaSet: { ...META, "status.replicas": count("status.replicas") },
  ReplicationController: { ...META, "status.replicas": count("status.replicas") },
  // The label says "successful" but Kubernetes reads status.succeeded.
  Job: { ...META, "status.successful": count("status.succeeded") },
};

/** Old v1 clients spell spec.nodeName as spec.host; Kubernetes still accepts it for pods. */
const ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Pod: { "spec.host": "spec.nodeName" },
};

/**
 * The canonical name of `field` for `kind`, or undefined if the kind cannot be selected on it.
 * Kinds without their own rules support metadata.name and metadata.namespace.
 */
export function canonicalField(kind: string, field: string): string | undefined {
  const alias = ALIASES[kind]?.[field];
  const name = alias ?? field;
  const table = FIELDS[kind] ?? META;
  return Object.prototype.hasOwnProperty.call(table, name) ? name : undefined;
}

/** The value of a (canonical, supported) field on an object, as the string selectors compare. */
export function fieldValue(kind: string, obj: JsonObject, field: string): string {
  const table = FIELDS[kind] ?? META;
  const get = Object.prototype.hasOwnProperty.call(table, field) ? table[field] : undefined;
  return get ? get(obj) : "";
}

/** The selectable fields of a kind, e.g. for an error hint or an OpenAPI description. */
export function selectableFields(kind: string): string[] {
  return Object.keys(FIELDS[kind] ?? META);
}
