import assert from "node:assert/strict";
import { test } from "node:test";
import { breakdownRule, compactRules, compactString, covers, uncoveredRules } from "./covers";
import type { PolicyRule } from "./types";

test("breakdownRule splits a rule into one verb, one resource and one name each", () => {
  assert.deepEqual(breakdownRule({ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] }), [
    { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] },
    { verbs: ["list"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"] },
  ]);
  assert.deepEqual(breakdownRule({ verbs: ["get"], nonResourceURLs: ["/a", "/b"] }), [
    { verbs: ["get"], nonResourceURLs: ["/a"] },
    { verbs: ["get"], nonResourceURLs: ["/b"] },
  ]);
});

test("covers: wildcards, */subresource, resourceNames and URL prefixes", () => {
  const all: PolicyRule = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
  assert.ok(covers([all], [{ verbs: ["delete"], apiGroups: ["apps"], resources: ["deployments/scale"] }]));
  assert.ok(covers([{ verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"] }], [{ verbs: ["get"], apiGroups: ["apps"], resources: ["deployments/scale"] }]));
  assert.ok(!covers([{ verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"] }], [{ verbs: ["get"], apiGroups: ["apps"], resources: ["deployments"] }]));
  const named: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] };
  assert.ok(!covers([named], [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }]), "a named grant does not cover all names");
  assert.ok(covers([{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }], [named]));
  assert.ok(covers([{ verbs: ["get"], nonResourceURLs: ["/metrics*"] }], [{ verbs: ["get"], nonResourceURLs: ["/metrics/slis"] }]));
  assert.ok(!covers([{ verbs: ["get"], nonResourceURLs: ["/metrics"] }], [{ verbs: ["get"], nonResourceURLs: ["/metrics/slis"] }]));
  assert.ok(!covers([all], [{ verbs: ["get"], nonResourceURLs: ["/metrics"] }]), "resource rules cover no URLs");
});

test("uncovered pieces compact back into one rule per resource for the message", () => {
  const missing = uncoveredRules([{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], [{ verbs: ["get", "list", "watch"], apiGroups: [""], resources: ["pods", "secrets"] }]);
  assert.equal(missing.length, 5);
  assert.deepEqual(compactRules(missing).map(compactString), ['{APIGroups:[""], Resources:["pods"], Verbs:["list" "watch"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "watch"]}']);
  assert.equal(compactString({ verbs: ["get"], nonResourceURLs: ["/x"] }), '{NonResourceURLs:["/x"], Verbs:["get"]}');
});
