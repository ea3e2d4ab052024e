// Every check, and the evaluation of a pod against one level and version (upstream's
// checkRegistry). Baseline runs the baseline checks; restricted runs them too, except those a
// restricted check replaces, then the restricted checks. Results come out ordered by check id,
// baseline first, which is the order of the reasons in upstream's messages.

import type { Obj } from "../validation/json";
import type { Check, CheckFn, CheckResult } from "./check";
import { allowPrivilegeEscalationCheck } from "./checks/allow-privilege-escalation";
import { appArmorProfileCheck } from "./checks/app-armor";
import { capabilitiesBaselineCheck } from "./checks/capabilities-baseline";
import { capabilitiesRestrictedCheck } from "./checks/capabilities-restricted";
import { hostNamespacesCheck } from "./checks/host-namespaces";
import { hostPathVolumesCheck } from "./checks/host-path-volumes";
import { hostPortsCheck } from "./checks/host-ports";
import { privilegedCheck } from "./checks/privileged";
import { procMountCheck } from "./checks/proc-mount";
import { restrictedVolumesCheck } from "./checks/restricted-volumes";
import { runAsNonRootCheck } from "./checks/run-as-non-root";
import { runAsUserCheck } from "./checks/run-as-user";
import { seccompBaselineCheck } from "./checks/seccomp-baseline";
import { seccompRestrictedCheck } from "./checks/seccomp-restricted";
import { seLinuxOptionsCheck } from "./checks/selinux";
import { sysctlsCheck } from "./checks/sysctls";
import { windowsHostProcessCheck } from "./checks/windows-host-process";
import { effectiveMinor, type LevelVersion } from "./levels";

export const CHECKS: readonly Check[] = [
  appArmorProfileCheck,
  capabilitiesBaselineCheck,
  hostNamespacesCheck,
  hostPathVolumesCheck,
  hostPortsCheck,
  privilegedCheck,
  procMountCheck,
  seLinuxOptionsCheck,
  seccompBaselineCheck,
  sysctlsCheck,
  windowsHostProcessCheck,
  allowPrivilegeEscalationCheck,
  capabilitiesRestrictedCheck,
  restrictedVolumesCheck,
  runAsNonRootCheck,
  runAsUserCheck,
  seccompRestrictedCheck,
];

/** Go's sort.Strings order. */
function byId(a: Check, b: Check): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface ActiveCheck {
  id: string;
  check: CheckFn;
  overrides: readonly string[];
}

/** The revision of `c` in force at policy minor `minor`, if the check existed by then. */
function revisionAt(c: Check, minor: number): ActiveCheck | undefined {
  const v = [...c.versions].reverse().find((r) => r.since <= minor);
  return v && { id: c.id, check: v.check, overrides: v.overrides ?? [] };
}

/** The checks a level and version run, in message order. */
export function checksFor(lv: LevelVersion): ActiveCheck[] {
  if (lv.level === "privileged") return [];
  const minor = effectiveMinor(lv.version);
  const active = (level: Check["level"]) =>
    CHECKS.filter((c) => c.level === level)
      .sort(byId)
      .map((c) => revisionAt(c, minor))
      .filter((c): c is ActiveCheck => c !== undefined);
  const baseline = active("baseline");
  if (lv.level === "baseline") return baseline;
  const restricted = active("restricted");
  const replaced = new Set(restricted.flatMap((c) => c.overrides));
  return [...baseline.filter((c) => !replaced.has(c.id)), ...restricted];
}

/** The outcome of every check at a level: allowed only if all allow. */
export interface Evaluation {
  allowed: boolean;
  /** The checks that refused, in message order. */
  failures: { id: string; reason: string; detail: string }[];
}

export function evaluatePod(lv: LevelVersion, metadata: Obj, spec: Obj): Evaluation {
  const failures: Evaluation["failures"] = [];
  for (const c of checksFor(lv)) {
    const r: CheckResult = c.check(metadata, spec);
    if (!r.allowed) failures.push({ id: c.id, reason: r.reason || "unknown forbidden reason", detail: r.detail ?? "" });
  }
  return { allowed: failures.length === 0, failures };
}

/** `host namespaces, privileged`: the reasons alone (used when summarizing many pods). */
export function forbiddenReasons(e: Evaluation): string {
  return e.failures.map((f) => f.reason).join(", ");
}

/** `host namespaces (hostNetwork=true), privileged (container "c" must not ...)`. */
export function forbiddenDetails(e: Evaluation): string {
  return e.failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(", ");
}
