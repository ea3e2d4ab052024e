// Validation of the four RBAC kinds, upstream's pkg/apis/rbac/validation with its field paths and
// messages (`rules[0].verbs: Required value: verbs must contain at least one value`):
//
//   - names are path segments (no '/', '%', not "." or "..");
//   - a rule has verbs; a resource rule has apiGroups and resources; nonResourceURLs belong to
//     ClusterRoles only and never share a rule with apiGroups/resources/resourceNames;
//   - an aggregationRule has at least one valid selector;
//   - roleRef names rbac.authorization.k8s.io and a Role or ClusterRole (only ClusterRole for a
//     ClusterRoleBinding), and never changes ("cannot change roleRef");
//   - subjects are User/Group (apiGroup rbac.authorization.k8s.io) or ServiceAccount (apiGroup "",
//     a valid name, and a namespace when the binding is cluster-wide).
//
// Like every kind's validation it runs after defaulting (defaults.ts fills the apiGroups).

import { type FieldCause, child, index, invalid, notSupported, required } from "../validation/field";
import { GoRepr, goStringSlice } from "../validation/go-format";
import { type Obj, arr, isObj, obj, objItems, str } from "../validation/json";
import { validateLabelSelector } from "../validation/label-selector";
import { validateObjectMeta, validateObjectMetaUpdate } from "../validation/meta";
import { isDNS1123Subdomain, isValidPathSegmentName, nameIsPathSegment } from "../validation/names";
import { RBAC_GROUP } from "./types";

const nonEmpty = (v: unknown): boolean => arr(v).length > 0;

/** Upstream's ValidatePolicyRule; `namespaced` is true for a Role's rules. */
export function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!nonEmpty(rule.verbs)) causes.push(required(child(path, "verbs"), "verbs must contain at least one value"));
  if (nonEmpty(rule.nonResourceURLs)) {
    const urls = goStringSlice(rule.nonResourceURLs);
    if (namespaced) causes.push(invalid(child(path, "nonResourceURLs"), urls, "namespaced rules cannot apply to non-resource URLs"));
    if (nonEmpty(rule.apiGroups) || nonEmpty(rule.resources) || nonEmpty(rule.resourceNames)) {
      causes.push(invalid(child(path, "nonResourceURLs"), urls, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return causes;
  }
  if (!nonEmpty(rule.apiGroups)) causes.push(required(child(path, "apiGroups"), "resource rules must supply at least one api group"));
  if (!nonEmpty(rule.resources)) causes.push(required(child(path, "resources"), "resource rules must supply at least one resource"));
  return causes;
}

function validateRules(rules: unknown, namespaced: boolean): FieldCause[] {
  return objItems(rules).flatMap(([rule, i]) => validatePolicyRule(rule, namespaced, index("rules", i)));
}

export function validateRole(role: Obj): FieldCause[] {
  return [...validateObjectMeta(role.metadata, true, nameIsPathSegment), ...validateRules(role.rules, true)];
}

export function validateClusterRole(role: Obj): FieldCause[] {
  const causes = [...validateObjectMeta(role.metadata, false, nameIsPathSegment), ...validateRules(role.rules, false)];
  if (isObj(role.aggregationRule)) {
    const path = "aggregationRule.clusterRoleSelectors";
    if (!nonEmpty(role.aggregationRule.clusterRoleSelectors)) {
      causes.push(required(path, "at least one clusterRoleSelector required if aggregationRule is non-nil"));
    }
    for (const [selector, i] of objItems(role.aggregationRule.clusterRoleSelectors)) causes.push(...validateLabelSelector(selector, index(path, i)));
  }
  return causes;
}

function validateSubject(subject: Obj, namespaced: boolean, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(subject.name);
  const apiGroup = str(subject.apiGroup);
  if (name === "") causes.push(required(child(path, "name")));
  switch (subject.kind) {
    case "ServiceAccount":
      if (name !== "") for (const msg of isDNS1123Subdomain(name)) causes.push(invalid(child(path, "name"), name, msg));
      if (apiGroup !== "") causes.push(notSupported(child(path, "apiGroup"), apiGroup, [""]));
      if (!namespaced && str(subject.namespace) === "") causes.push(required(child(path, "namespace")));
      break;
    case "User":
    case "Group":
      if (apiGroup !== RBAC_GROUP) causes.push(notSupported(child(path, "apiGroup"), apiGroup, [RBAC_GROUP]));
      break;
    default:
      causes.push(notSupported(child(path, "kind"), str(subject.kind), ["ServiceAccount", "User", "Group"]));
  }
  return causes;
}

function validateBinding(binding: Obj, namespaced: boolean): FieldCause[] {
  const causes = validateObjectMeta(binding.metadata, namespaced, nameIsPathSegment);
  const ref = obj(binding.roleRef);
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (str(ref.apiGroup) !== RBAC_GROUP) causes.push(notSupported("roleRef.apiGroup", str(ref.apiGroup), [RBAC_GROUP]));
  if (!kinds.includes(str(ref.kind))) causes.push(notSupported("roleRef.kind", str(ref.kind), kinds));
  const name = str(ref.name);
  if (name === "") causes.push(required("roleRef.name"));
  for (const msg of name === "" ? [] : isValidPathSegmentName(name)) causes.push(invalid("roleRef.name", name, msg));
  for (const [subject, i] of objItems(binding.subjects)) causes.push(...validateSubject(subject, namespaced, index("subjects", i)));
  return causes;
}

export const validateRoleBinding = (binding: Obj): FieldCause[] => validateBinding(binding, true);
export const validateClusterRoleBinding = (binding: Obj): FieldCause[] => validateBinding(binding, false);

/** Go's %#v of an rbac.RoleRef, the value upstream shows with "cannot change roleRef". */
function goRoleRef(ref: Obj): GoRepr {
  return new GoRepr(`rbac.RoleRef{APIGroup:${JSON.stringify(str(ref.apiGroup))}, Kind:${JSON.stringify(str(ref.kind))}, Name:${JSON.stringify(str(ref.name))}}`);
}

function roleRefUnchanged(next: Obj, prev: Obj): FieldCause[] {
  const a = obj(next.roleRef);
  const b = obj(prev.roleRef);
  const same = str(a.apiGroup) === str(b.apiGroup) && str(a.kind) === str(b.kind) && str(a.name) === str(b.name);
  return same ? [] : [invalid("roleRef", goRoleRef(a), "cannot change roleRef")];
}

const withMetaUpdate =
  (create: (o: Obj) => FieldCause[], extra: (n: Obj, p: Obj) => FieldCause[] = () => []) =>
  (next: Obj, prev: Obj): FieldCause[] => [...create(next), ...validateObjectMetaUpdate(next.metadata, prev.metadata), ...extra(next, prev)];

export const validateRoleUpdate = withMetaUpdate(validateRole);
export const validateClusterRoleUpdate = withMetaUpdate(validateClusterRole);
export const validateRoleBindingUpdate = withMetaUpdate(validateRoleBinding, roleRefUnchanged);
export const validateClusterRoleBindingUpdate = withMetaUpdate(validateClusterRoleBinding, roleRefUnchanged);
