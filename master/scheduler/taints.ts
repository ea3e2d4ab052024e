// Taints and tolerations (Kubernetes' v1helper.ToleratesTaint): a toleration matches a taint when
// the effects agree (an empty toleration effect matches every effect), the keys agree (an empty
// key with operator Exists matches every key) and, for Equal, the values agree.

import { isJsonObject } from "../../api/object";

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

export interface Toleration {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function parseTaints(list: unknown): Taint[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isJsonObject).map((t) => ({ key: str(t.key), value: str(t.value), effect: str(t.effect) }));
}

export function parseTolerations(list: unknown): Toleration[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter(isJsonObject)
    .map((t) => ({ key: str(t.key), operator: str(t.operator) || "Equal", value: str(t.value), effect: str(t.effect) }));
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== "" && t.effect !== taint.effect) return false;
  if (t.key !== "" && t.key !== taint.key) return false;
  switch (t.operator) {
    case "Exists":
      return true;
    case "Equal":
      return t.value === taint.value;
    default:
      return false;
  }
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** How Kubernetes prints a taint in a FitError reason: `{key: value}` (value may be empty). */
export function formatTaint(taint: Taint): string {
  return `{${taint.key}: ${taint.value}}`;
}
