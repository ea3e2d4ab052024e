// Pod Security levels, policy versions and the namespace labels that choose them, as
// k8s.io/pod-security-admission/api defines them:
//
//   pod-security.kubernetes.io/enforce=baseline          refuse pods that break baseline
//   pod-security.kubernetes.io/enforce-version=v1.25     ... as baseline was defined in 1.25
//   pod-security.kubernetes.io/warn=restricted           warn the client about restricted
//   pod-security.kubernetes.io/audit=restricted          record it (Gantry: the master's log)
//
// A mode whose label is absent takes the cluster default (`gantry master --pod-security-default`).

import { invalid, key, type FieldCause } from "../validation/field";

export type Level = "privileged" | "baseline" | "restricted";
export const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];

/** A policy version: a Kubernetes minor (1.x), or "latest". */
export type PolicyVersion = { latest: true } | { latest: false; minor: number };

/**
 * The newest policy version this implementation knows: Kubernetes 1.32, whose kubectl drives
 * Gantry. "latest" and any newer version evaluate as this one, as upstream clamps versions to
 * the newest check it has.
 */
export const NEWEST_POLICY_MINOR = 32;

export const LATEST: PolicyVersion = { latest: true };

export interface LevelVersion {
  level: Level;
  version: PolicyVersion;
}

export type Mode = "enforce" | "audit" | "warn";
export const MODES: readonly Mode[] = ["enforce", "audit", "warn"];

export type Policy = Record<Mode, LevelVersion>;

const LABEL_PREFIX = "pod-security.kubernetes.io/";

export function levelLabel(mode: Mode): string {
  return `${LABEL_PREFIX}${mode}`;
}

export function versionLabel(mode: Mode): string {
  return `${LABEL_PREFIX}${mode}-version`;
}

export function parseLevel(value: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : undefined;
}

/** "latest" or "v1.<minor>" (no leading zeros), as upstream's ParseVersion. */
export function parseVersion(value: string): PolicyVersion | undefined {
  if (value === "latest") return LATEST;
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(value);
  if (!m) return undefined;
  const minor = Number(m[1]);
  return Number.isSafeInteger(minor) ? { latest: false, minor } : undefined;
}

export function formatVersion(v: PolicyVersion): string {
  return v.latest ? "latest" : `v1.${v.minor}`;
}

/** `baseline:latest`, the form upstream's messages quote. */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${formatVersion(lv.version)}`;
}

/** The minor whose checks apply: latest and versions newer than we know are the newest we know. */
export function effectiveMinor(v: PolicyVersion): number {
  return v.latest ? NEWEST_POLICY_MINOR : Math.min(v.minor, NEWEST_POLICY_MINOR);
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && formatVersion(a.version) === formatVersion(b.version);
}

/** -1, 0 or 1 as `a` is less strict than, as strict as, or stricter than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

export interface ResolvedPolicy {
  policy: Policy;
  /** Labels that did not parse, as `metadata.labels[...]` field causes (upstream's wording). */
  errors: FieldCause[];
}

/**
 * The policy a namespace's labels select, each absent label falling back to `defaults`.
 * Unparseable labels are reported; meanwhile an unparseable enforce level counts as
 * `restricted` (fail closed) and audit/warn levels as `privileged` (fail open), versions as
 * `latest` — upstream's PolicyToEvaluate.
 */
export function policyFromLabels(labels: Record<string, string> | undefined, defaults: Policy): ResolvedPolicy {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldCause[] = [];
  for (const mode of MODES) {
    const level = labels?.[levelLabel(mode)];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      if (!parsed) errors.push(invalid(key("metadata.labels", levelLabel(mode)), level, `must be one of ${LEVELS.join(", ")}`));
      policy[mode].level = parsed ?? (mode === "enforce" ? "restricted" : "privileged");
    }
    const version = labels?.[versionLabel(mode)];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      if (!parsed) errors.push(invalid(key("metadata.labels", versionLabel(mode)), version, `must be "latest" or "v1.x"`));
      policy[mode].version = parsed ?? LATEST;
    }
  }
  return { policy, errors };
}
