// Baseline, seccompProfile_baseline: if a seccomp profile is set, it must be the runtime default
// or a localhost profile. Before policy 1.19 the profile lived in annotations
// (seccomp.security.alpha.kubernetes.io/pod, container.seccomp.security.alpha.kubernetes.io/*:
// runtime/default, docker/default, localhost/*); from 1.19 in
// securityContext.seccompProfile.type (RuntimeDefault, Localhost).

import { obj, str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, annotations, containerName, containerSecurityContext, containersPhrase, forbid, goQuote, isSet, joinQuote, pluralize, podSecurityContext, sortedSet, type Check, type CheckResult } from "../check";

const POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

export function validSeccompType(type: string): boolean {
  return type === "RuntimeDefault" || type === "Localhost";
}

/** The seccomp type a security context sets, or undefined when it sets no seccompProfile. */
export function seccompType(securityContext: Obj | undefined): string | undefined {
  return isSet(securityContext?.seccompProfile) ? str(obj(securityContext!.seccompProfile).type) : undefined;
}

/** The pod-level seccomp type; an invalid one is recorded as set by "pod", with its value. */
export function notePodSeccomp(spec: Obj, setters: string[], badValues: string[]): string | undefined {
  const podType = seccompType(podSecurityContext(spec));
  if (podType !== undefined && !validSeccompType(podType)) {
    setters.push("pod");
    badValues.push(podType);
  }
  return podType;
}

function validAnnotation(value: string): boolean {
  return value === "runtime/default" || value === "docker/default" || value.startsWith("localhost/");
}

function seccompAnnotations(metadata: Obj, spec: Obj): CheckResult {
  const notes = annotations(metadata);
  const keys = [POD_ANNOTATION, ...allContainers(spec).map((c) => CONTAINER_ANNOTATION_PREFIX + containerName(c))];
  const forbidden = sortedSet(keys.filter((k) => k in notes && !validAnnotation(notes[k])).map((k) => `${k}=${goQuote(notes[k])}`));
  if (forbidden.length === 0) return ALLOWED;
  return forbid("seccompProfile", `forbidden ${pluralize("annotation", "annotations", forbidden.length)} ${forbidden.join(", ")}`);
}

function seccompFields(_metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  const badValues: string[] = [];
  notePodSeccomp(spec, setters, badValues);
  const bad: string[] = [];
  for (const c of allContainers(spec)) {
    const type = seccompType(containerSecurityContext(c));
    if (type === undefined || validSeccompType(type)) continue;
    bad.push(containerName(c));
    badValues.push(type);
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  if (setters.length === 0) return ALLOWED;
  return forbid("seccompProfile", `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
}

export const SECCOMP_BASELINE_ID = "seccompProfile_baseline";

export const seccompBaselineCheck: Check = {
  id: SECCOMP_BASELINE_ID,
  level: "baseline",
  versions: [
    { since: 0, check: seccompAnnotations },
    { since: 19, check: seccompFields },
  ],
};
