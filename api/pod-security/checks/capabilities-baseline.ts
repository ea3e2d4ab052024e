// Baseline, capabilities_baseline: adding capabilities beyond the container runtime's default
// set (NET_RAW is not in it). Restricted field: securityContext.capabilities.add of every
// container. Allowed: undefined, empty, or names from the set below.

import { arr, obj, str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, joinQuote, sortedSet, type Check, type CheckResult } from "../check";

const DEFAULT_CAPABILITIES = new Set([
  "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

/** The `add` list of a container's capabilities, or undefined when it sets no capabilities. */
export function addedCapabilities(c: Obj): string[] | undefined {
  const caps = containerSecurityContext(c)?.capabilities;
  return caps === undefined || caps === null ? undefined : arr(obj(caps).add).map(str);
}

function capabilitiesBaseline(_metadata: Obj, spec: Obj): CheckResult {
  const bad: string[] = [];
  const extra: string[] = [];
  for (const c of allContainers(spec)) {
    const beyond = (addedCapabilities(c) ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap));
    if (beyond.length === 0) continue;
    bad.push(containerName(c));
    extra.push(...beyond);
  }
  if (bad.length === 0) return ALLOWED;
  return forbid("non-default capabilities", `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(extra))} in securityContext.capabilities.add`);
}

export const CAPABILITIES_BASELINE_ID = "capabilities_baseline";

export const capabilitiesBaselineCheck: Check = {
  id: CAPABILITIES_BASELINE_ID,
  level: "baseline",
  versions: [{ since: 0, check: capabilitiesBaseline }],
};
