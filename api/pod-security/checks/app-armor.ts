// Baseline, appArmorProfile: overriding or disabling the runtime's default AppArmor profile.
// Restricted fields: spec.securityContext.appArmorProfile.type, the same in every container,
// and the deprecated annotations container.apparmor.security.beta.kubernetes.io/*.
// Allowed types: RuntimeDefault, Localhost, undefined; annotations: runtime/default,
// localhost/*, empty, undefined.

import { obj, str, type Obj } from "../../validation/json";
import { ALLOWED, allContainers, annotations, containerName, containerSecurityContext, containersPhrase, forbid, goQuote, isSet, joinQuote, pluralize, podSecurityContext, sortedSet, type Check, type CheckResult } from "../check";

const ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

function allowedType(type: string): boolean {
  return type === "RuntimeDefault" || type === "Localhost";
}

function allowedAnnotation(value: string): boolean {
  return value === "" || value === "runtime/default" || value.startsWith("localhost/");
}

/** The profile type a security context sets, or undefined when it sets no appArmorProfile. */
function profileType(securityContext: Obj | undefined): string | undefined {
  return isSet(securityContext?.appArmorProfile) ? str(obj(securityContext!.appArmorProfile).type) : undefined;
}

function appArmorProfile(metadata: Obj, spec: Obj): CheckResult {
  const setters: string[] = [];
  const badValues: string[] = [];
  const podType = profileType(podSecurityContext(spec));
  if (podType !== undefined && !allowedType(podType)) {
    setters.push("pod");
    badValues.push(podType);
  }
  const bad: string[] = [];
  for (const c of allContainers(spec)) {
    const type = profileType(containerSecurityContext(c));
    if (type === undefined || allowedType(type)) continue;
    bad.push(containerName(c));
    badValues.push(type);
  }
  if (bad.length > 0) setters.push(containersPhrase(bad));
  const values = sortedSet(badValues);
  const forbiddenAnnotations = sortedSet(
    Object.entries(annotations(metadata))
      .filter(([k, v]) => k.startsWith(ANNOTATION_PREFIX) && !allowedAnnotation(v))
      .map(([k, v]) => `${k}=${goQuote(v)}`),
  );
  if (forbiddenAnnotations.length > 0) {
    values.push(...forbiddenAnnotations);
    setters.push(pluralize("annotation", "annotations", forbiddenAnnotations.length));
  }
  if (setters.length === 0) return ALLOWED;
  return forbid(
    pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.length),
    `${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(values)}`,
  );
}

export const appArmorProfileCheck: Check = {
  id: "appArmorProfile",
  level: "baseline",
  versions: [{ since: 0, check: appArmorProfile }],
};
