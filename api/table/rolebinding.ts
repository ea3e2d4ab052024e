// `kubectl get rolebindings|clusterrolebindings`: NAME ROLE AGE, and with -o wide USERS GROUPS
// SERVICEACCOUNTS (upstream's printRoleBinding / printClusterRoleBinding and
// rbac.SubjectsStrings); `kubectl get roles|clusterroles`: NAME CREATED AT (printRole), the
// default table's columns but `<unknown>` for an unset time.

import type { RoleBinding } from "kubernetes-types/rbac/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { CREATED_AT_COLUMN, rfc3339 } from "./default";
import { parseTime, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

function columnsFor(kind: "roleBinding" | "clusterRoleBinding", roleRefDoc: string) {
  return [
    NAME_COLUMN,
    column("Role", "string", roleRefDoc),
    AGE_COLUMN,
    wide("Users", "string", `Users in the ${kind}`),
    wide("Groups", "string", `Groups in the ${kind}`),
    wide("ServiceAccounts", "string", `ServiceAccounts in the ${kind}`),
  ];
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const binding = obj as unknown as RoleBinding;
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of binding.subjects ?? []) {
    if (s.kind === "User") users.push(s.name);
    else if (s.kind === "Group") groups.push(s.name);
    else if (s.kind === "ServiceAccount") serviceAccounts.push(`${s.namespace ?? ""}/${s.name}`);
  }
  const role = `${binding.roleRef?.kind ?? ""}/${binding.roleRef?.name ?? ""}`;
  return { cells: [obj.metadata.name ?? "", role, since(obj.metadata.creationTimestamp, now), users.join(", "), groups.join(", "), serviceAccounts.join(", ")] };
}

export const roleBindingPrinter: KindPrinter = {
  columns: columnsFor(
    "roleBinding",
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.",
  ),
  print,
};

export const clusterRoleBindingPrinter: KindPrinter = {
  columns: columnsFor(
    "clusterRoleBinding",
    "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.",
  ),
  print,
};

export const rolePrinter: KindPrinter = {
  columns: [NAME_COLUMN, CREATED_AT_COLUMN],
  print: (obj) => {
    const created = obj.metadata.creationTimestamp;
    return { cells: [obj.metadata.name ?? "", parseTime(created) === undefined ? "<unknown>" : rfc3339(created)] };
  },
};
