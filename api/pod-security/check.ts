// What a Pod Security check is (upstream's policy.Check), and the small readers every check
// uses. A check looks at a pod's metadata and spec (a Pod's, or a workload's pod template) and
// says whether the pod is allowed; if not, a short reason ("host namespaces") and a detail
// naming the fields and values ("hostNetwork=true"), worded exactly as upstream words them.

import { arr, obj, str, type Obj } from "../validation/json";
import type { Level } from "./levels";

export interface CheckResult {
  allowed: boolean;
  /** Set when not allowed: the succinct reason, e.g. "hostPath volumes". */
  reason?: string;
  /** Optional specifics, e.g. `volume "h"`. */
  detail?: string;
}

export const ALLOWED: CheckResult = { allowed: true };

export function forbid(reason: string, detail = ""): CheckResult {
  return { allowed: false, reason, detail };
}

/** `metadata` and `spec` of the pod (or pod template) being checked. */
export type CheckFn = (metadata: Obj, spec: Obj) => CheckResult;

export interface VersionedCheck {
  /** The first policy minor (1.x) this revision applies to. */
  since: number;
  check: CheckFn;
  /** Baseline check ids this restricted check replaces in restricted evaluations. */
  overrides?: readonly string[];
}

export interface Check {
  /** Upstream's check id; results are ordered by it, baseline checks first. */
  id: string;
  /** baseline checks apply to baseline and restricted; restricted checks to restricted only. */
  level: Exclude<Level, "privileged">;
  /** Revisions in increasing `since` order. */
  versions: readonly VersionedCheck[];
}

// ---- readers -----------------------------------------------------------------------------

/** Init containers, containers and ephemeral containers, in upstream's visiting order. */
export function allContainers(spec: Obj): Obj[] {
  return [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)].map(obj);
}

export function containerName(c: Obj): string {
  return str(c.name);
}

/** A container's securityContext, or undefined when it has none. */
export function containerSecurityContext(c: Obj): Obj | undefined {
  return isSet(c.securityContext) ? obj(c.securityContext) : undefined;
}

export function podSecurityContext(spec: Obj): Obj | undefined {
  return isSet(spec.securityContext) ? obj(spec.securityContext) : undefined;
}

/** A JSON value that is present (Go's non-nil pointer). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function annotations(metadata: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(metadata.annotations))) out[k] = str(v);
  return out;
}

export function isWindowsPod(spec: Obj): boolean {
  return str(obj(spec.os).name) === "windows";
}

// ---- wording -----------------------------------------------------------------------------

/** `"a", "b"` (upstream's joinQuote: no escaping). */
export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? "" : `"${items.join('", "')}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** `container "a"` / `containers "a", "b"`. */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

/** Distinct values in Go's sort.Strings order (byte order), as upstream's sets.String.List(). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's %q for the ASCII strings labels and annotations hold. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
