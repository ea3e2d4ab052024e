// Leases (coordination.k8s.io/v1): node heartbeats and Gantry's leader lease. A duration, when
// given, is positive; the transition count never goes negative.

import { type FieldCause, forbidden, invalid } from "./field";
import { type Obj, obj, str } from "./json";
import { validateObjectMeta } from "./meta";
import { nameIsDNSSubdomain } from "./names";

export function validateLeaseSpec(specValue: unknown): FieldCause[] {
  const spec = obj(specValue);
  const causes: FieldCause[] = [];
  if (typeof spec.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0) {
    causes.push(invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  }
  if (typeof spec.leaseTransitions === "number" && spec.leaseTransitions < 0) {
    causes.push(invalid("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  }
  if (str(spec.preferredHolder) && !str(spec.strategy)) {
    causes.push(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  }
  return causes;
}

export function validateLease(lease: Obj): FieldCause[] {
  return [...validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain), ...validateLeaseSpec(lease.spec)];
}
