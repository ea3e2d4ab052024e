// Container resources for the runtime: quantities parsed with api/quantity (CPU in millicores,
// memory in bytes, rounded up like the kubelet). A limit without a request implies the request.

import type { Container } from "kubernetes-types/core/v1";
import { parseBytes, parseMillis } from "../../api/quantity";
import type { ContainerResources } from "../../runtime/types";
import { ConfigError } from "./errors";

function parse(container: Container, which: "limits" | "requests", name: string, fn: (q: string) => number): number | undefined {
  const raw = container.resources?.[which]?.[name];
  if (raw === undefined || raw === null) return undefined;
  try {
    return fn(String(raw));
  } catch (err) {
    throw new ConfigError("CreateContainerConfigError", `container ${container.name}: resources.${which}.${name} ${JSON.stringify(raw)}: ${(err as Error).message}`);
  }
}

export function containerResources(container: Container): ContainerResources {
  const cpuLimit = parse(container, "limits", "cpu", parseMillis);
  const memLimit = parse(container, "limits", "memory", parseBytes);
  const cpuRequest = parse(container, "requests", "cpu", parseMillis) ?? cpuLimit;
  const memRequest = parse(container, "requests", "memory", parseBytes) ?? memLimit;
  const r: ContainerResources = {};
  if (cpuRequest !== undefined) r.cpuRequestMillis = cpuRequest;
  if (cpuLimit !== undefined && cpuLimit > 0) r.cpuLimitMillis = cpuLimit;
  if (memLimit !== undefined && memLimit > 0) r.memoryLimitBytes = memLimit;
  if (memRequest !== undefined) r.memoryRequestBytes = memRequest;
  return r;
}
