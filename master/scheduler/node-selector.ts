// Required node affinity (spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution):
// a list of terms that are ORed; each term ANDs its matchExpressions (on node labels: In, NotIn,
// Exists, DoesNotExist, Gt, Lt) and matchFields (only metadata.name, In/NotIn). A term with
// neither, or with an invalid requirement, matches nothing — as in Kubernetes, a bad term is not
// an error for the whole pod, it just never matches.

import { isJsonObject, type JsonObject } from "../../api/object";
import { matchesRequirement, newRequirement, type LabelOperator, type LabelRequirement } from "../../api/selectors/label-requirement";

/** True when a node (by labels and name) satisfies the selector. */
export type NodeMatcher = (labels: Readonly<Record<string, string>>, nodeName: string) => boolean;

const OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
  Gt: "gt",
  Lt: "lt",
};

const FIELD_OPERATORS = new Set(["In", "NotIn"]);
const NEVER: NodeMatcher = () => false;

function requirement(expr: JsonObject, fields: boolean): LabelRequirement | undefined {
  const op = typeof expr.operator === "string" ? expr.operator : "";
  if (!Object.prototype.hasOwnProperty.call(OPERATORS, op)) return undefined;
  const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === "string") : [];
  if (fields) {
    // Field values are node names (DNS subdomains), not label values: no label-value syntax check.
    if (expr.key !== "metadata.name" || !FIELD_OPERATORS.has(op) || values.length === 0) return undefined;
    return { key: "metadata.name", operator: OPERATORS[op], values };
  }
  const r = newRequirement(String(expr.key ?? ""), OPERATORS[op], values);
  return "error" in r ? undefined : r;
}

function compileTerm(term: unknown): NodeMatcher {
  if (!isJsonObject(term)) return NEVER;
  const exprs = Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
  const fields = Array.isArray(term.matchFields) ? term.matchFields : [];
  if (exprs.length === 0 && fields.length === 0) return NEVER;
  const labelReqs: LabelRequirement[] = [];
  const fieldReqs: LabelRequirement[] = [];
  for (const e of exprs) {
    const r = isJsonObject(e) ? requirement(e, false) : undefined;
    if (!r) return NEVER;
    labelReqs.push(r);
  }
  for (const f of fields) {
    const r = isJsonObject(f) ? requirement(f, true) : undefined;
    if (!r) return NEVER;
    fieldReqs.push(r);
  }
  return (labels, nodeName) => {
    for (const r of labelReqs) if (!matchesRequirement(r, labels)) return false;
    if (fieldReqs.length > 0) {
      const nameFields = { "metadata.name": nodeName };
      for (const r of fieldReqs) if (!matchesRequirement(r, nameFields)) return false;
    }
    return true;
  };
}

/** A NodeSelector ({nodeSelectorTerms: [...]}) as a matcher; undefined when there is none. */
export function compileNodeSelector(selector: unknown): NodeMatcher | undefined {
  if (!isJsonObject(selector)) return undefined;
  const terms = Array.isArray(selector.nodeSelectorTerms) ? selector.nodeSelectorTerms.map(compileTerm) : [];
  if (terms.length === 0) return NEVER;
  return (labels, nodeName) => terms.some((t) => t(labels, nodeName));
}
