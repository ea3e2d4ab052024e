// CertificateSigningRequest update strategies (upstream's csrStrategy, csrStatusStrategy and
// csrApprovalStrategy): the spec never changes after create; a main-resource write changes only
// metadata; /status (the signer) cannot touch the Approved/Denied conditions; /approval (an
// approver, `kubectl certificate approve|deny`) changes only the conditions. Condition times are
// filled in by the server when the writer left them out.

import type { KubeObject } from "../object";
import { arr, isObj, obj } from "../validation/json";
import { formatTimestamp } from "./context";

type Condition = { type?: unknown; status?: unknown; lastUpdateTime?: unknown; lastTransitionTime?: unknown };

/** Applies the strategy of `write` to `out` (already a copy of what the client sent, or of `prev` for subresources). */
export function prepareCsrUpdate(write: "main" | "status" | "approval", out: KubeObject, next: KubeObject, prev: KubeObject, now: Date): void {
  out.spec = structuredClone(prev.spec);
  const prevStatus = obj(prev.status);
  if (write === "main") {
    out.status = structuredClone(prev.status);
    return;
  }
  const status = (out.status = isObj(out.status) ? out.status : {}) as Record<string, unknown>;
  if (write === "approval") {
    // Everything from the stored object except the conditions the approver sent.
    const conditions = obj(next.status).conditions;
    for (const k of Object.keys(status)) delete status[k];
    Object.assign(status, structuredClone(prevStatus));
    if (conditions === undefined) delete status.conditions;
    else status.conditions = structuredClone(conditions);
  } else {
    // A signer may add Failed, never approve or deny: keep exactly the stored Approved/Denied.
    const kept = arr(status.conditions).filter((c) => !(isObj(c) && (c.type === "Approved" || c.type === "Denied")));
    const decisions = arr(prevStatus.conditions).filter((c) => isObj(c) && (c.type === "Approved" || c.type === "Denied"));
    const conditions = [...decisions.map((c) => structuredClone(c)), ...kept];
    if (conditions.length > 0) status.conditions = conditions;
    else delete status.conditions;
  }
  fillConditionTimes(status, prevStatus, now);
}

function fillConditionTimes(status: Record<string, unknown>, prevStatus: Record<string, unknown>, now: Date): void {
  const stamp = formatTimestamp(now);
  const before = new Map(arr(prevStatus.conditions).filter(isObj).map((c) => [c.type, c as Condition]));
  for (const c of arr(status.conditions)) {
    if (!isObj(c)) continue;
    const cond = c as Condition;
    const old = before.get(cond.type);
    if (!cond.lastUpdateTime) cond.lastUpdateTime = stamp;
    if (!cond.lastTransitionTime) cond.lastTransitionTime = old && old.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : stamp;
  }
}
