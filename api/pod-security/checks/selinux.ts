// Baseline, seLinuxOptions: setting an SELinux type outside the container types, or any SELinux
// user or role. Restricted fields: seLinuxOptions.type/user/role in the pod's and every
// container's securityContext. Allowed types: "", container_t, container_init_t,
// container_kvm_t, and from policy 1.31 container_engine_t.

import { obj, str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, containerName, containerSecurityContext, containersPhrase, forbid, isSet, joinQuote, pluralize, podSecurityContext, sortedSet, type Check, type CheckFn, type CheckResult } from "../check";

const TYPES_1_0 = ["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31 = [...TYPES_1_0, "container_engine_t"];

function seLinuxOptions(allowedTypes: readonly string[]): CheckFn {
  return (_metadata: Obj, spec: Obj): CheckResult => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    /** False when the options set something forbidden (and records what). */
    const valid = (securityContext: Obj | undefined): boolean => {
      if (!isSet(securityContext?.seLinuxOptions)) return true;
      const o = obj(securityContext!.seLinuxOptions);
      let ok = true;
      if (!allowedTypes.includes(str(o.type))) {
        badTypes.push(str(o.type));
        ok = false;
      }
      if (str(o.user) !== "") {
        setUser = true;
        ok = false;
      }
      if (str(o.role) !== "") {
        setRole = true;
        ok = false;
      }
      return ok;
    };
    const setters: string[] = [];
    if (!valid(podSecurityContext(spec))) setters.push("pod");
    const bad = allContainers(spec).filter((c) => !valid(containerSecurityContext(c))).map(containerName);
    if (bad.length > 0) setters.push(containersPhrase(bad));
    if (setters.length === 0) return ALLOWED;
    const types = sortedSet(badTypes);
    const problems: string[] = [];
    if (types.length > 0) problems.push(`${pluralize("type", "types", types.length)} ${joinQuote(types)}`);
    if (setUser) problems.push("user may not be set");
    if (setRole) problems.push("role may not be set");
    return forbid("seLinuxOptions", `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${problems.join("; ")}`);
  };
}

export const seLinuxOptionsCheck: Check = {
  id: "seLinuxOptions",
  level: "baseline",
  versions: [
    { since: 0, check: seLinuxOptions(TYPES_1_0) },
    { since: 31, check: seLinuxOptions(TYPES_1_31) },
  ],
};
