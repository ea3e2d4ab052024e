// The downward API: pod fields and container resources as env values or volume files.

import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from "kubernetes-types/core/v1";
import { Quantity } from "../../api/quantity";
import { ConfigError } from "./errors";

export interface PodRuntimeFacts {
  nodeName: string;
  hostIP: string;
  podIPs: string[];
  /** Node allocatable, used when a container sets no limit (what the kubelet does). */
  allocatable?: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
}

const MAP_FIELD = /^metadata\.(labels|annotations)\['(.+)'\]$/;

export function fieldValue(pod: Pod, sel: ObjectFieldSelector, facts: PodRuntimeFacts): string {
  const meta = pod.metadata ?? {};
  const path = sel.fieldPath;
  const m = MAP_FIELD.exec(path);
  if (m) return (m[1] === "labels" ? meta.labels : meta.annotations)?.[m[2]] ?? "";
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName || facts.nodeName;
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return facts.hostIP;
    case "status.hostIPs":
      return facts.hostIP;
    case "status.podIP":
      return facts.podIPs[0] ?? "";
    case "status.podIPs":
      return facts.podIPs.join(",");
    default:
      throw new ConfigError("CreateContainerConfigError", `unsupported fieldRef fieldPath ${JSON.stringify(path)} in pod ${meta.namespace}/${meta.name}`);
  }
}

/** k="v" lines sorted by key, as the kubelet writes labels and annotations files. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join("\n");
}

/** limits.cpu etc. divided by the divisor, rounded up (kubelet's ExtractContainerResourceValue). */
export function resourceValue(containers: Container[], sel: ResourceFieldSelector, facts: PodRuntimeFacts): string {
  const c = containers.find((x) => x.name === sel.containerName) ?? containers[0];
  const [kind, resource] = sel.resource.split(".", 2) as ["limits" | "requests", string];
  if ((kind !== "limits" && kind !== "requests") || !["cpu", "memory", "ephemeral-storage"].includes(resource)) {
    throw new ConfigError("CreateContainerConfigError", `unsupported resourceFieldRef resource ${JSON.stringify(sel.resource)}`);
  }
  const raw = c?.resources?.[kind]?.[resource] ?? (kind === "limits" ? facts.allocatable?.[resource as "cpu"] : undefined) ?? (kind === "requests" ? "0" : undefined);
  if (raw === undefined) return "0";
  const divisor = Quantity.parse(String(sel.divisor ?? "1"));
  const value = Quantity.parse(String(raw));
  const ratio = value.toNumber() / divisor.toNumber();
  return String(Math.ceil(ratio - 1e-12));
}
