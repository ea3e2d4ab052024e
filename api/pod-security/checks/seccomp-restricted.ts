// Restricted, seccompProfile_restricted: a seccomp profile must be set, RuntimeDefault or
// Localhost, on the pod or on every container (policy 1.19 and later; Windows pods exempt from
// 1.25). Replaces seccompProfile_baseline in restricted evaluations.

import type { Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, joinQuote, sortedSet, type Check, type CheckResult } from "../check";
import { exemptingWindows } from "./allow-privilege-escalation";
import { notePodSeccomp, SECCOMP_BASELINE_ID, seccompType, validSeccompType } from "./seccomp-baseline";

function seccompRestricted(_metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  const badValues: string[] = [];
  const podType = notePodSeccomp(spec, setters, badValues);
  const podSet = podType !== undefined && validSeccompType(podType);
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of allContainers(spec)) {
    const type = seccompType(containerSecurityContext(c));
    if (type !== undefined) {
      if (!validSeccompType(type)) {
        explicitlyBad.push(containerName(c));
        badValues.push(type);
      }
    } else if (!podSet) {
      implicitlyBad.push(containerName(c));
    }
  }
  if (explicitlyBad.length > 0) setters.push(containersPhrase(explicitlyBad));
  if (setters.length > 0) {
    return forbid("seccompProfile", `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
  }
  if (implicitlyBad.length > 0) {
    return forbid("seccompProfile", `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
}

export const seccompRestrictedCheck: Check = {
  id: "seccompProfile_restricted",
  level: "restricted",
  versions: [
    { since: 19, check: seccompRestricted, overrides: [SECCOMP_BASELINE_ID] },
    { since: 25, check: exemptingWindows(seccompRestricted), overrides: [SECCOMP_BASELINE_ID] },
  ],
};
