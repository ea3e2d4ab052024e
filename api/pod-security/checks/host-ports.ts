// Baseline, hostPorts: host ports bind the node's own addresses.
// Restricted field: ports[*].hostPort of every container. Allowed: undefined, 0.

import { obj, objItems, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containersPhrase, forbid, pluralize, sortedSet, type Check, type CheckResult } from "../check";

function hostPorts(_metadata: Obj, spec: Obj): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of allContainers(spec)) {
    const used = objItems(obj(c).ports).map(([p]) => p.hostPort).filter((p): p is number => typeof p === "number" && p !== 0);
    if (used.length === 0) continue;
    bad.push(containerName(c));
    ports.push(...used.map(String));
  }
  if (bad.length === 0) return ALLOWED;
  // Upstream sorts the ports as strings ("10", "20", "30"; "100" before "20").
  const list = sortedSet(ports);
  return forbid("hostPort", `${containersPhrase(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("hostPort", "hostPorts", list.length)} ${list.join(", ")}`);
}

export const hostPortsCheck: Check = {
  id: "hostPorts",
  level: "baseline",
  versions: [{ since: 0, check: hostPorts }],
};
