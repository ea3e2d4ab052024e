// Label selectors: string-form grammar and matching, Kubernetes error wording, and the structured
// LabelSelector form (matching, rendering, nil vs empty).

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import {
  formatLabelSelector,
  labelSelectorAsMatcher,
  labelSelectorExactMatch,
  labelSelectorMatcher,
  labelSelectorToString,
  parseLabelSelector,
  requirementsToString,
} from "./label-selector";

function badRequest(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, "BadRequest");
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const web = { app: "web", tier: "frontend", env: "prod" };

test("equality, double equality and inequality", () => {
  assert.equal(labelSelectorMatcher("app=web")(web), true);
  assert.equal(labelSelectorMatcher("app==web")(web), true);
  assert.equal(labelSelectorMatcher("app=db")(web), false);
  assert.equal(labelSelectorMatcher("app!=db")(web), true);
  assert.equal(labelSelectorMatcher("app!=web")(web), false);
});

test("a missing label satisfies != and notin but not = or in", () => {
  assert.equal(labelSelectorMatcher("canary!=true")(web), true);
  assert.equal(labelSelectorMatcher("canary notin (true)")(web), true);
  assert.equal(labelSelectorMatcher("canary=true")(web), false);
  assert.equal(labelSelectorMatcher("canary in (true)")(web), false);
});

test("set-based, existence and comma-separated conjunction", () => {
  assert.equal(labelSelectorMatcher("env in (prod,staging)")(web), true);
  assert.equal(labelSelectorMatcher("env notin (prod,staging)")(web), false);
  assert.equal(labelSelectorMatcher("tier")(web), true);
  assert.equal(labelSelectorMatcher("!tier")(web), false);
  assert.equal(labelSelectorMatcher("!canary")(web), true);
  assert.equal(labelSelectorMatcher("app=web,env in (prod),!canary")(web), true);
  assert.equal(labelSelectorMatcher("app=web,env in (dev)")(web), false);
});

test("whitespace is tolerated between tokens", () => {
  const m = labelSelectorMatcher("  app = web ,\tenv   in ( prod , dev ) , ! canary ");
  assert.equal(m(web), true);
  assert.equal(m({ ...web, canary: "1" }), false);
});

test("empty selector matches everything, including objects without labels", () => {
  assert.equal(labelSelectorMatcher("")(undefined), true);
  assert.equal(labelSelectorMatcher("   ")({}), true);
  assert.equal(labelSelectorMatcher("app=web")(undefined), false);
  assert.equal(labelSelectorMatcher("!app")(undefined), true);
});

test("empty values: `a=`, `a in ()`, `a in (x,)` include the empty string", () => {
  assert.equal(labelSelectorMatcher("a=")({ a: "" }), true);
  assert.equal(labelSelectorMatcher("a=")({ a: "x" }), false);
  assert.equal(labelSelectorMatcher("a in ()")({ a: "" }), true);
  assert.equal(labelSelectorMatcher("a in (x,)")({ a: "" }), true);
  assert.equal(labelSelectorMatcher("a in (x,,y)")({ a: "y" }), true);
  assert.deepEqual(parseLabelSelector("a in (x,,y)")[0].values, ["", "x", "y"]);
});

test("`in` and `notin` are ordinary words as values", () => {
  assert.equal(labelSelectorMatcher("mode in (in,notin)")({ mode: "notin" }), true);
  assert.equal(labelSelectorMatcher("mode=in")({ mode: "in" }), true);
});

test("gt and lt compare integers and never match non-numeric labels", () => {
  assert.equal(labelSelectorMatcher("replicas>3")({ replicas: "10" }), true);
  assert.equal(labelSelectorMatcher("replicas>3")({ replicas: "3" }), false);
  assert.equal(labelSelectorMatcher("replicas<3")({ replicas: "2" }), true);
  assert.equal(labelSelectorMatcher("replicas<3")({ replicas: "two" }), false);
  assert.equal(labelSelectorMatcher("replicas<3")({}), false);
  badRequest(() => parseLabelSelector("replicas>x"), /for 'Gt', 'Lt' operators, the value must be an integer/);
});

test("prefixed keys", () => {
  const m = labelSelectorMatcher("app.kubernetes.io/name=web,kubernetes.io/cluster-service=true");
  assert.equal(m({ "app.kubernetes.io/name": "web", "kubernetes.io/cluster-service": "true" }), true);
});

test("requirements come back sorted by key and render as Kubernetes does", () => {
  const reqs = parseLabelSelector("tier in (b,a),app=web,!canary,env");
  assert.deepEqual(
    reqs.map((r) => r.key),
    ["app", "canary", "env", "tier"],
  );
  assert.equal(requirementsToString(reqs), "app=web,!canary,env,tier in (a,b)");
});

test("syntax errors carry Kubernetes' messages", () => {
  badRequest(() => parseLabelSelector("a b"), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  badRequest(() => parseLabelSelector("a=b c"), "found 'c', expected: ',' or 'end of string'");
  badRequest(() => parseLabelSelector("a=b,"), "found '', expected: identifier after ','");
  badRequest(() => parseLabelSelector(",a"), "found ',', expected: !, identifier, or 'end of string'");
  badRequest(() => parseLabelSelector("a in b"), "unable to parse requirement: found 'b' expected: '('");
  badRequest(() => parseLabelSelector("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  badRequest(() => parseLabelSelector("a (b)"), "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
  badRequest(() => parseLabelSelector("!=a"), "found '!=', expected: !, identifier, or 'end of string'");
  badRequest(() => parseLabelSelector("!a=b"), "found '=', expected: ',' or 'end of string'");
});

test("invalid keys and values are rejected with the validation wording", () => {
  badRequest(
    () => parseLabelSelector("-app=web"),
    /^unable to parse requirement: <nil>: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'MyName',  or 'my\.name',  or '123-abc', regex used for validation is/,
  );
  badRequest(() => parseLabelSelector(`${"k".repeat(64)}=v`), /name part must be no more than 63 characters/);
  badRequest(() => parseLabelSelector("Example.COM/app=web"), /prefix part a lowercase RFC 1123 subdomain/);
  badRequest(() => parseLabelSelector("a/b/c=web"), /a qualified name must consist of/);
  badRequest(() => parseLabelSelector("/app=web"), /prefix part must be non-empty/);
  badRequest(() => parseLabelSelector("app=-web"), /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-web": a valid label must be an empty string/);
  badRequest(() => parseLabelSelector(`app=${"v".repeat(64)}`), /must be no more than 63 characters/);
});

test("structured selector: matchLabels and every matchExpressions operator", () => {
  const m = labelSelectorAsMatcher({
    matchLabels: { app: "web" },
    matchExpressions: [
      { key: "env", operator: "In", values: ["prod", "staging"] },
      { key: "tier", operator: "NotIn", values: ["db"] },
      { key: "team", operator: "Exists" },
      { key: "canary", operator: "DoesNotExist" },
    ],
  });
  assert.equal(m({ app: "web", env: "prod", tier: "frontend", team: "a" }), true);
  assert.equal(m({ app: "web", env: "prod", tier: "db", team: "a" }), false);
  assert.equal(m({ app: "web", env: "prod", team: "a", canary: "1" }), false);
  assert.equal(m({ app: "web", env: "dev", team: "a" }), false);
  assert.equal(m({ env: "prod", team: "a" }), false);
});

test("structured selector: {} selects everything, null and undefined select nothing", () => {
  assert.equal(labelSelectorAsMatcher({})({ any: "thing" }), true);
  assert.equal(labelSelectorAsMatcher({ matchLabels: {}, matchExpressions: [] })(undefined), true);
  assert.equal(labelSelectorAsMatcher(null)({ app: "web" }), false);
  assert.equal(labelSelectorAsMatcher(undefined)({}), false);
});

test("structured selector renders to the string form kubectl shows", () => {
  const sel = {
    matchLabels: { tier: "frontend", app: "web" },
    matchExpressions: [
      { key: "env", operator: "NotIn", values: ["dev", "ci"] },
      { key: "canary", operator: "DoesNotExist" },
      { key: "team", operator: "Exists" },
    ],
  };
  const text = labelSelectorToString(sel);
  assert.equal(text, "app=web,!canary,env notin (ci,dev),team,tier=frontend");
  // The rendered form parses back to a selector with the same meaning.
  const back = labelSelectorMatcher(text);
  const original = labelSelectorAsMatcher(sel);
  const samples: Record<string, string>[] = [
    { app: "web", tier: "frontend", team: "x" },
    { app: "web", tier: "frontend", team: "x", env: "dev" },
    {},
  ];
  for (const labels of samples) {
    assert.equal(back(labels), original(labels));
  }
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector(null), "<none>");
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }), "<error>");
});

test("invalid structured selectors are 400s", () => {
  badRequest(() => labelSelectorAsMatcher({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }), '"Gt" is not a valid label selector operator');
  badRequest(() => labelSelectorAsMatcher({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }), /values set can't be empty/);
  badRequest(() => labelSelectorAsMatcher({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }), /values set must be empty for exists and does not exist/);
  badRequest(() => labelSelectorAsMatcher({ matchLabels: { "bad key": "x" } }), /^key: Invalid value: "bad key"/);
});

test("exact match tells an index which single value a key is pinned to", () => {
  const reqs = parseLabelSelector("app=web,tier in (a),env in (x,y),zone!=z");
  assert.equal(labelSelectorExactMatch(reqs, "app"), "web");
  assert.equal(labelSelectorExactMatch(reqs, "tier"), "a");
  assert.equal(labelSelectorExactMatch(reqs, "env"), undefined);
  assert.equal(labelSelectorExactMatch(reqs, "zone"), undefined);
  assert.equal(labelSelectorExactMatch(reqs, "missing"), undefined);
});
