// Privilege-escalation prevention as a validating admission plugin on every write of a Role,
// ClusterRole, RoleBinding or ClusterRoleBinding (upstream does it in the RBAC registry's
// storage; here every write passes admission, which is the same place). The rules themselves are
// pure (api/rbac/escalation.ts); this reads the writer's effective rules from the RBAC policy.
//
//   roles.rbac.authorization.k8s.io "pod-god" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
//   {APIGroups:[""], Resources:["pods"], Verbs:["*"]}

import { effectiveRules } from "../../api/rbac/authorizer";
import { checkBindingWrite, checkRoleWrite, type EscalationCheck, type Writer } from "../../api/rbac/escalation";
import { roleRefRules, type RbacPolicy } from "../../api/rbac/policy";
import { RBAC_GROUP, type Binding, type ClusterRole, type Role } from "../../api/rbac/types";
import { forbidden } from "./forbidden";
import type { AdmissionAttributes } from "./node-restriction";

const ROLE_KINDS: Record<string, "Role" | "ClusterRole"> = { roles: "Role", clusterroles: "ClusterRole" };
const BINDINGS = new Set(["rolebindings", "clusterrolebindings"]);

/** The plugin, reading the policy current at each write (none: nothing to check against yet). */
export function rbacEscalationAdmission(policy: () => RbacPolicy | undefined) {
  return {
    name: "RBACEscalation",
    validate(a: AdmissionAttributes): void {
      if (a.apiGroup !== RBAC_GROUP || a.operation === "delete" || a.subresource !== "" || !a.object) return;
      const roleKind = ROLE_KINDS[a.resource];
      if (!roleKind && !BINDINGS.has(a.resource)) return;
      const p = policy();
      if (!p) return;
      const namespace = a.object.metadata.namespace ?? "";
      const { rules, errors } = effectiveRules(a.user, namespace, p);
      const writer: Writer = { user: a.user, rules, errors };
      const result: EscalationCheck = roleKind
        ? checkRoleWrite(writer, { kind: roleKind, role: a.object as Role | ClusterRole, previous: a.oldObject as Role | ClusterRole | undefined })
        : checkBinding(writer, a.object as unknown as Binding, a.oldObject as unknown as Binding | undefined, namespace, p);
      if (!result.allowed) throw forbidden(a.apiGroup, a.resource, a.name, result.message);
    },
  };
}

function checkBinding(writer: Writer, binding: Binding, previous: Binding | undefined, namespace: string, policy: RbacPolicy): EscalationCheck {
  return checkBindingWrite(writer, { binding, previous, roleRules: roleRefRules(binding.roleRef, namespace, policy) });
}
