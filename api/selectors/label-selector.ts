// Label selectors, both spellings: the string form of `?labelSelector=` and kubectl `-l`, and the
// structured `LabelSelector` (matchLabels + matchExpressions) inside Deployments, ReplicaSets,
// DaemonSets, Jobs and the like. Each becomes the same matcher, and a structured selector can be
// rendered to the string form kubectl prints (`app=web,tier in (a,b)`).
//
// Semantics follow apimachinery: a missing label satisfies `!=` and `notin`; an empty selector
// matches everything; a nil structured selector matches nothing. Invalid input throws a 400 with
// Kubernetes' wording (`unable to parse requirement: ...`).

import type { LabelSelector, LabelSelectorRequirement } from "kubernetes-types/meta/v1";
import { errors } from "../errors";
import {
  type LabelOperator,
  type LabelRequirement,
  matchesRequirement,
  newRequirement,
  requirementToString,
  sortRequirements,
} from "./label-requirement";
import { parseLabelRequirements } from "./label-selector-parse";

export type { LabelRequirement, LabelOperator } from "./label-requirement";

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Parses the string form; throws a 400 ApiError on bad syntax or invalid keys/values. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  try {
    return parseLabelRequirements(selector);
  } catch (err) {
    throw errors.badRequest(err instanceof Error ? err.message : String(err));
  }
}

/** A matcher that is true when every requirement holds (and always true for none). */
export function requirementsMatcher(reqs: readonly LabelRequirement[]): LabelMatcher {
  if (reqs.length === 0) return () => true;
  return (labels) => reqs.every((r) => matchesRequirement(r, labels ?? EMPTY));
}

/** `labelSelectorMatcher("app=web,tier!=db")`; an empty string matches everything. */
export function labelSelectorMatcher(selector: string): LabelMatcher {
  return requirementsMatcher(parseLabelSelector(selector));
}

const STRUCTURED_OPS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * The requirements of a structured selector, sorted by key (matchLabels become `=` terms).
 * Returns undefined for a null/undefined selector, which selects nothing (unlike `{}`, which
 * selects everything) — the distinction Kubernetes draws for e.g. a PodDisruptionBudget.
 */
export function labelSelectorRequirements(selector: LabelSelector | null | undefined): LabelRequirement[] | undefined {
  if (selector === null || selector === undefined) return undefined;
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push(check(newRequirement(key, "=", [value])));
  }
  for (const expr of selector.matchExpressions ?? ([] as LabelSelectorRequirement[])) {
    const op = Object.prototype.hasOwnProperty.call(STRUCTURED_OPS, expr.operator) ? STRUCTURED_OPS[expr.operator] : undefined;
    if (!op) throw errors.badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(check(newRequirement(expr.key, op, expr.values ?? [])));
  }
  return sortRequirements(reqs);
}

function check(r: LabelRequirement | { error: string }): LabelRequirement {
  if ("error" in r) throw errors.badRequest(r.error);
  return r;
}

/** Matcher for a structured selector: null/undefined matches nothing, `{}` matches everything. */
export function labelSelectorAsMatcher(selector: LabelSelector | null | undefined): LabelMatcher {
  const reqs = labelSelectorRequirements(selector);
  return reqs === undefined ? () => false : requirementsMatcher(reqs);
}

/** Requirements back to the string form, e.g. for `Scale.status.selector` or a list query. */
export function requirementsToString(reqs: readonly LabelRequirement[]): string {
  return reqs.map(requirementToString).join(",");
}

/** The string form of a structured selector ("" for `{}` and for null). Throws 400 if invalid. */
export function labelSelectorToString(selector: LabelSelector | null | undefined): string {
  return requirementsToString(labelSelectorRequirements(selector) ?? []);
}

/** What kubectl prints in a SELECTOR column: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  try {
    return labelSelectorToString(selector) || "<none>";
  } catch {
    return "<error>";
  }
}

/**
 * If the requirements pin `key` to exactly one value (`key=v`, `key==v`, `key in (v)`), that
 * value — lets a caller answer from an index instead of scanning.
 */
export function labelSelectorExactMatch(reqs: readonly LabelRequirement[], key: string): string | undefined {
  const r = reqs.find((req) => req.key === key);
  if (!r) return undefined;
  const pins = r.operator === "=" || r.operator === "==" || r.operator === "in";
  return pins && r.values.length === 1 ? r.values[0] : undefined;
}
