// The Pod Security flags of `gantry master` (and `gantry init`, which passes them on): the
// policy of namespaces without labels and the exemptions (master/pod-security/config.ts).

import { type Command, InvalidArgumentError } from "commander";
import type { Policy } from "../api/pod-security/levels";
import { DEFAULT_POD_SECURITY_POLICY, parsePodSecurityPolicy, type PodSecurityConfig } from "../master/pod-security/config";

export interface PodSecurityFlags {
  podSecurityDefault: string;
  podSecurityExemptNamespaces: string;
  podSecurityExemptUsernames: string;
  podSecurityExemptRuntimeClasses: string;
}

function policy(value: string): string {
  try {
    parsePodSecurityPolicy(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function list(value: string): string[] {
  return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

export function addPodSecurityFlags(cmd: Command): Command {
  return cmd
    .option("--pod-security-default <policy>", "Pod Security for namespaces without pod-security.kubernetes.io labels: mode=level[:version],... (modes enforce, audit, warn; levels privileged, baseline, restricted); \"privileged\" turns it off", policy, DEFAULT_POD_SECURITY_POLICY)
    .option("--pod-security-exempt-namespaces <names>", "comma-separated namespaces Pod Security never checks", "kube-system")
    .option("--pod-security-exempt-usernames <names>", "comma-separated users whose requests Pod Security never checks", "")
    .option("--pod-security-exempt-runtime-classes <names>", "comma-separated runtimeClassNames whose pods Pod Security never checks", "");
}

export function podSecurityFlagArgs(f: PodSecurityFlags): string[] {
  return [
    "--pod-security-default", f.podSecurityDefault,
    "--pod-security-exempt-namespaces", f.podSecurityExemptNamespaces,
    "--pod-security-exempt-usernames", f.podSecurityExemptUsernames,
    "--pod-security-exempt-runtime-classes", f.podSecurityExemptRuntimeClasses,
  ];
}

export function podSecurityConfig(f: PodSecurityFlags): PodSecurityConfig {
  const defaults: Policy = parsePodSecurityPolicy(f.podSecurityDefault);
  return {
    defaults,
    exemptions: { namespaces: list(f.podSecurityExemptNamespaces), usernames: list(f.podSecurityExemptUsernames), runtimeClasses: list(f.podSecurityExemptRuntimeClasses) },
  };
}
