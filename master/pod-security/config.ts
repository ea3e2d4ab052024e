// How Pod Security admission is set up on a master: the policy for namespaces without labels,
// the exemptions, and where audit-mode findings go. `gantry master --pod-security-default`
// and the `--pod-security-exempt-*` flags fill it (cli/pod-security-flags.ts).

import { LATEST, LEVELS, MODES, parseLevel, parseVersion, type Mode, type Policy } from "../../api/pod-security/levels";

export interface Exemptions {
  /** Requests by these users are not checked (upstream's exemptions.usernames). */
  usernames: string[];
  /** Pods with these runtimeClassName values are not checked. */
  runtimeClasses: string[];
  /** Nothing in these namespaces is checked. */
  namespaces: string[];
}

export interface AuditRecord {
  namespace: string;
  resource: string;
  name: string;
  user?: string;
  /** `would violate PodSecurity "restricted:latest": ...` */
  message: string;
}

export interface PodSecurityConfig {
  /** The policy of a mode whose namespace label is absent. */
  defaults: Policy;
  exemptions: Exemptions;
  /** Where audit-mode violations are recorded (Gantry has no audit log: the master's log). */
  audit?: (record: AuditRecord) => void;
}

/** Gantry's default, safer than Kubernetes' all-privileged one. */
export const DEFAULT_POD_SECURITY_POLICY = "enforce=baseline,warn=restricted";

export function defaultPodSecurityConfig(): PodSecurityConfig {
  return { defaults: parsePodSecurityPolicy(DEFAULT_POD_SECURITY_POLICY), exemptions: { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] } };
}

/**
 * `enforce=baseline,warn=restricted:v1.30`: a level (and optional version) per mode; modes not
 * named are privileged. `privileged` alone turns every mode off. Throws a message naming the
 * bad part.
 */
export function parsePodSecurityPolicy(value: string): Policy {
  const policy: Policy = { enforce: { level: "privileged", version: LATEST }, audit: { level: "privileged", version: LATEST }, warn: { level: "privileged", version: LATEST } };
  const text = value.trim();
  if (text === "privileged") return policy;
  const seen = new Set<Mode>();
  for (const part of text.split(",").map((p) => p.trim())) {
    const m = /^([a-z]+)=([a-z]+)(?::(.+))?$/.exec(part);
    const mode = m?.[1] as Mode | undefined;
    if (!m || !mode || !MODES.includes(mode)) throw new Error(`"${part}" is not <mode>=<level>[:<version>] with a mode among ${MODES.join(", ")}`);
    if (seen.has(mode)) throw new Error(`"${mode}" is given twice`);
    seen.add(mode);
    const level = parseLevel(m[2]);
    if (!level) throw new Error(`"${m[2]}" is not a level: use one of ${LEVELS.join(", ")}`);
    const version = m[3] === undefined ? LATEST : parseVersion(m[3]);
    if (!version) throw new Error(`"${m[3]}" is not a policy version: use "latest" or "v1.x"`);
    policy[mode] = { level, version };
  }
  return policy;
}
