// Baseline, sysctls: only sysctls namespaced to the pod and isolated from other pods are safe.
// Restricted field: spec.securityContext.sysctls[*].name. Allowed: the safe set of the policy
// version (it grew in 1.27, 1.29 and 1.32).

import { obj, objItems, str, type Obj } from "../../validation/json";
import { ALLOWED, forbid, podSecurityContext, type Check, type CheckFn, type CheckResult } from "../check";

const SAFE_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const SAFE_1_27 = [...SAFE_1_0, "net.ipv4.ip_local_reserved_ports"];
const SAFE_1_29 = [...SAFE_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const SAFE_1_32 = [...SAFE_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

function sysctls(safe: readonly string[]): CheckFn {
  return (_metadata: Obj, spec: Obj): CheckResult => {
    const names = objItems(obj(podSecurityContext(spec)).sysctls).map(([s]) => str(s.name));
    const forbidden = names.filter((n) => !safe.includes(n));
    return forbidden.length === 0 ? ALLOWED : forbid("forbidden sysctls", forbidden.join(", "));
  };
}

export const sysctlsCheck: Check = {
  id: "sysctls",
  level: "baseline",
  versions: [
    { since: 0, check: sysctls(SAFE_1_0) },
    { since: 27, check: sysctls(SAFE_1_27) },
    { since: 29, check: sysctls(SAFE_1_29) },
    { since: 32, check: sysctls(SAFE_1_32) },
  ],
};
