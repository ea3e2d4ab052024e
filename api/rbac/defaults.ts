// rbac.authorization.k8s.io/v1 defaulting (upstream's SetDefaults_*): a binding's roleRef and
// User/Group subjects default to apiGroup rbac.authorization.k8s.io. ServiceAccount subjects are
// in the core group "", which upstream's JSON omits (`omitempty`), so an empty one is dropped.

import { RBAC_GROUP } from "./types";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function defaultBinding(binding: Obj): void {
  if (isObj(binding.roleRef) && !binding.roleRef.apiGroup) binding.roleRef.apiGroup = RBAC_GROUP;
  if (!Array.isArray(binding.subjects)) return;
  for (const subject of binding.subjects) {
    if (!isObj(subject) || subject.apiGroup) continue;
    if (subject.kind === "User" || subject.kind === "Group") subject.apiGroup = RBAC_GROUP;
    else delete subject.apiGroup;
  }
}
