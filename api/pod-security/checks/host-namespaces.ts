// Baseline, hostNamespaces: sharing the host's network, PID or IPC namespace.
// Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC. Allowed: undefined, false.

import type { Obj } from "../../validation/json";
import { ALLOWED, forbid, type Check, type CheckResult } from "../check";

function hostNamespaces(_metadata: Obj, spec: Obj): CheckResult {
  const shared = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
  return shared.length === 0 ? ALLOWED : forbid("host namespaces", shared.join(", "));
}

export const hostNamespacesCheck: Check = {
  id: "hostNamespaces",
  level: "baseline",
  versions: [{ since: 0, check: hostNamespaces }],
};
