// Baseline, procMount: the default /proc masks reduce the attack surface and are required.
// Restricted field: securityContext.procMount of every container. Allowed: undefined, "Default".

import { str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, isSet, joinQuote, sortedSet, type Check, type CheckResult } from "../check";

function procMount(_metadata: Obj, spec: Obj): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of allContainers(spec)) {
    const sc = containerSecurityContext(c);
    if (!isSet(sc?.procMount) || str(sc!.procMount) === "Default") continue;
    bad.push(containerName(c));
    types.push(str(sc!.procMount));
  }
  if (bad.length === 0) return ALLOWED;
  return forbid("procMount", `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
}

export const procMountCheck: Check = {
  id: "procMount",
  level: "baseline",
  versions: [{ since: 0, check: procMount }],
};
