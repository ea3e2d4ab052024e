// Restricted, runAsNonRoot: containers must be required to run as non-root users.
// spec.securityContext.runAsNonRoot=true, or runAsNonRoot=true in every container that does not
// inherit it; false anywhere is refused.

import type { Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, isSet, podSecurityContext, type Check, type CheckResult } from "../check";

function runAsNonRoot(_metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  const podValue = podSecurityContext(spec)?.runAsNonRoot;
  if (isSet(podValue) && podValue !== true) setters.push("pod");
  const podNonRoot = podValue === true;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of allContainers(spec)) {
    const value = containerSecurityContext(c)?.runAsNonRoot;
    if (isSet(value)) {
      if (value !== true) explicitlyBad.push(containerName(c));
    } else if (!podNonRoot) {
      implicitlyBad.push(containerName(c));
    }
  }
  if (explicitlyBad.length > 0) setters.push(containersPhrase(explicitlyBad));
  if (setters.length > 0) return forbid("runAsNonRoot != true", `${setters.join(" and ")} must not set securityContext.runAsNonRoot=false`);
  if (implicitlyBad.length > 0) return forbid("runAsNonRoot != true", `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

export const runAsNonRootCheck: Check = {
  id: "runAsNonRoot",
  level: "restricted",
  versions: [{ since: 0, check: runAsNonRoot }],
};
