// Baseline, windowsHostProcess: Windows HostProcess containers have full access to the host.
// Restricted fields: spec.securityContext.windowsOptions.hostProcess and the same in every
// container's securityContext. Allowed: undefined, false.

import { obj, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, podSecurityContext, type Check, type CheckResult } from "../check";

function hostProcess(securityContext: Obj | undefined): boolean {
  return obj(securityContext?.windowsOptions).hostProcess === true;
}

function windowsHostProcess(_metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  if (hostProcess(podSecurityContext(spec))) setters.push("pod");
  const bad = allContainers(spec).filter((c) => hostProcess(containerSecurityContext(c))).map(containerName);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return ALLOWED;
  return forbid("hostProcess", `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`);
}

export const windowsHostProcessCheck: Check = {
  id: "windowsHostProcess",
  level: "baseline",
  versions: [{ since: 0, check: windowsHostProcess }],
};
