// Restricted, runAsUser: no explicit runAsUser 0 in the pod's or any container's
// securityContext (policy 1.23 and later). Unset is allowed: runAsNonRoot covers it.

import type { Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, podSecurityContext, type Check, type CheckResult } from "../check";

function runAsUser(_metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  if (podSecurityContext(spec)?.runAsUser === 0) setters.push("pod");
  const bad = allContainers(spec).filter((c) => containerSecurityContext(c)?.runAsUser === 0).map(containerName);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return setters.length === 0 ? ALLOWED : forbid("runAsUser=0", `${setters.join(" and ")} must not set runAsUser=0`);
}

export const runAsUserCheck: Check = {
  id: "runAsUser",
  level: "restricted",
  versions: [{ since: 23, check: runAsUser }],
};
