// ServiceAccounts: only metadata rules apply; the name is a DNS subdomain because it appears in
// token subjects (`system:serviceaccount:<ns>:<name>`).

import type { FieldCause } from "./field";
import type { Obj } from "./json";
import { validateObjectMeta } from "./meta";
import { nameIsDNSSubdomain } from "./names";

export function validateServiceAccount(sa: Obj): FieldCause[] {
  return validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain);
}
