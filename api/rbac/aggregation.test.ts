import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateAll, aggregatedRules, aggregationUpdate } from "./aggregation";
import { defaultClusterRoles } from "./bootstrap-policy";
import type { ClusterRole, PolicyRule } from "./types";

const readPods: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };
const readCrons: PolicyRule = { verbs: ["get"], apiGroups: ["stable.example.com"], resources: ["crontabs"] };
const aggregated: ClusterRole = { metadata: { name: "monitoring" }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] } };
const labelled = (name: string, rules: PolicyRule[]): ClusterRole => ({ metadata: { name, labels: { "example.com/aggregate-to-monitoring": "true" } }, rules });

test("an aggregated role picks up a newly labelled role's rules", () => {
  const first = [aggregated, labelled("pods-reader", [readPods])];
  const rules = aggregationUpdate(aggregated, first);
  assert.deepEqual(rules, [readPods]);
  const settled = { ...aggregated, rules };
  assert.equal(aggregationUpdate(settled, first), undefined, "unchanged: nothing to write");
  assert.deepEqual(aggregationUpdate(settled, [...first, labelled("crontab-reader", [readCrons])]), [readCrons, readPods], "sorted by role name");
});

test("rules are kept once, unlabelled and the role itself are ignored, each selector in turn", () => {
  const role: ClusterRole = {
    metadata: { name: "self", labels: { a: "1" } },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { b: "1" } }, { matchLabels: { a: "1" } }] },
    rules: [readCrons],
  };
  const all = [role, { metadata: { name: "z", labels: { b: "1" } }, rules: [readPods] }, { metadata: { name: "a", labels: { a: "1" } }, rules: [readPods, readCrons] }, { metadata: { name: "plain" }, rules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }] }];
  assert.deepEqual(aggregatedRules(role, all), [readPods, readCrons]);
  assert.equal(aggregatedRules({ metadata: { name: "x" }, rules: [] }, all), undefined, "not aggregated");
});

test("a selector that selects nothing empties the aggregated role", () => {
  assert.deepEqual(aggregationUpdate({ ...aggregated, rules: [readPods] }, [aggregated]), []);
});

test("the defaults settle: admin holds edit's rules, edit holds view's", () => {
  const roles = aggregateAll(defaultClusterRoles());
  const rulesOf = (name: string) => roles.find((r) => r.metadata?.name === name)?.rules ?? [];
  const keys = (rules: PolicyRule[]) => new Set(rules.map((r) => JSON.stringify(r)));
  const view = keys(rulesOf("view"));
  const edit = keys(rulesOf("edit"));
  const admin = keys(rulesOf("admin"));
  assert.ok(view.size > 0);
  for (const r of view) assert.ok(edit.has(r), `edit lacks ${r}`);
  for (const r of edit) assert.ok(admin.has(r), `admin lacks ${r}`);
  assert.ok(admin.size > edit.size && edit.size > view.size);
  assert.equal(defaultClusterRoles().find((r) => r.metadata?.name === "view")?.rules, undefined, "the input is not modified");
});
