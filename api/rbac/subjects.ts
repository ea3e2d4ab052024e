// Which binding subjects a user is, upstream's appliesTo / appliesToUser: a User by name, a Group
// by membership, a ServiceAccount by its token user name. A ServiceAccount subject without a
// namespace means the binding's own namespace (only a RoleBinding has one), so
// `{kind: ServiceAccount, name: builder}` in a RoleBinding of "ci" is system:serviceaccount:ci:builder.

import type { RbacUser } from "./rule-match";
import { serviceAccountUserName, type Subject } from "./types";

export function subjectMatches(user: RbacUser, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return user.name === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== "" && user.name === serviceAccountUserName(namespace, subject.name);
    }
    default:
      return false;
  }
}

/** The first subject of `subjects` the user is, or undefined when none applies. */
export function appliesTo(user: RbacUser, subjects: readonly Subject[] | undefined, bindingNamespace: string): Subject | undefined {
  return (subjects ?? []).find((s) => subjectMatches(user, s, bindingNamespace));
}

/** Upstream's describeSubject: `User "alice"`, `ServiceAccount "builder/ci"`. */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount") return `${subject.kind} ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}
