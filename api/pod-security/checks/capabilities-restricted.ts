// Restricted, capabilities_restricted: every container must drop ALL capabilities and may add
// back only NET_BIND_SERVICE (policy 1.22 and later; Windows pods exempt from 1.25). Replaces
// capabilities_baseline in restricted evaluations.

import { arr, obj, str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, isSet, joinQuote, sortedSet, type Check, type CheckResult } from "../check";
import { exemptingWindows } from "./allow-privilege-escalation";
import { CAPABILITIES_BASELINE_ID } from "./capabilities-baseline";

function capabilitiesRestricted(_metadata: Obj, spec: Obj): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of allContainers(spec)) {
    const caps = containerSecurityContext(c)?.capabilities;
    if (!isSet(caps)) {
      missingDropAll.push(containerName(c));
      continue;
    }
    if (!arr(obj(caps).drop).map(str).includes("ALL")) missingDropAll.push(containerName(c));
    const extra = arr(obj(caps).add).map(str).filter((cap) => cap !== "NET_BIND_SERVICE");
    if (extra.length > 0) {
      addingForbidden.push(containerName(c));
      forbiddenCaps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length > 0) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length > 0) details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  return details.length === 0 ? ALLOWED : forbid("unrestricted capabilities", details.join("; "));
}

export const capabilitiesRestrictedCheck: Check = {
  id: "capabilities_restricted",
  level: "restricted",
  versions: [
    { since: 22, check: capabilitiesRestricted, overrides: [CAPABILITIES_BASELINE_ID] },
    { since: 25, check: exemptingWindows(capabilitiesRestricted), overrides: [CAPABILITIES_BASELINE_ID] },
  ],
};
