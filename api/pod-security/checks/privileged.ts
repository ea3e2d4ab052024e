// Baseline, privileged: privileged containers disable most security mechanisms.
// Restricted field: securityContext.privileged of every container. Allowed: undefined, false.

import type { Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, type Check, type CheckResult } from "../check";

function privileged(_metadata: Obj, spec: Obj): CheckResult {
  const bad = allContainers(spec).filter((c) => containerSecurityContext(c)?.privileged === true).map(containerName);
  return bad.length === 0 ? ALLOWED : forbid("privileged", `${containersPhrase(bad)} must not set securityContext.privileged=true`);
}

export const privilegedCheck: Check = {
  id: "privileged",
  level: "baseline",
  versions: [{ since: 0, check: privileged }],
};
