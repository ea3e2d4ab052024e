// Restricted, allowPrivilegeEscalation: set-user-ID binaries and the like must not gain
// privileges. Every container must set securityContext.allowPrivilegeEscalation=false (the
// field exists since 1.8). From policy 1.25 Windows pods (spec.os.name=windows) are exempt.

import type { Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, isWindowsPod, type Check, type CheckFn, type CheckResult } from "../check";

function allowPrivilegeEscalation(_metadata: Obj, spec: Obj): CheckResult {
  const bad = allContainers(spec).filter((c) => containerSecurityContext(c)?.allowPrivilegeEscalation !== false).map(containerName);
  return bad.length === 0 ? ALLOWED : forbid("allowPrivilegeEscalation != false", `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

/** From 1.25: Windows pods cannot set these Linux fields at all, so they are not asked to. */
export function exemptingWindows(check: CheckFn): CheckFn {
  return (metadata, spec) => (isWindowsPod(spec) ? ALLOWED : check(metadata, spec));
}

export const allowPrivilegeEscalationCheck: Check = {
  id: "allowPrivilegeEscalation",
  level: "restricted",
  versions: [
    { since: 8, check: allowPrivilegeEscalation },
    { since: 25, check: exemptingWindows(allowPrivilegeEscalation) },
  ],
};
