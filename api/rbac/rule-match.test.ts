import assert from "node:assert/strict";
import { test } from "node:test";
import { ruleAllows } from "./rule-match";
import { pathRequest, resourceRequest } from "./testing/policy";
import type { PolicyRule } from "./types";

const allows = (rule: PolicyRule, resource: string, verb = "get", opts: Parameters<typeof resourceRequest>[3] = {}): boolean =>
  ruleAllows(resourceRequest("alice", verb, resource, opts), rule);

test("verbs and apiGroups match exactly or by *", () => {
  const rule: PolicyRule = { verbs: ["get", "list"], apiGroups: ["apps"], resources: ["deployments"] };
  assert.ok(allows(rule, "deployments", "get", { apiGroup: "apps" }));
  assert.ok(!allows(rule, "deployments", "delete", { apiGroup: "apps" }));
  assert.ok(!allows(rule, "deployments", "get", { apiGroup: "" }), "the core group is not apps");
  assert.ok(allows({ ...rule, verbs: ["*"], apiGroups: ["*"] }, "deployments", "delete", { apiGroup: "extensions" }));
});

test("resources: *, exact, subresource exact, */scale; pods/* is no pattern (as upstream)", () => {
  const rule = (...resources: string[]): PolicyRule => ({ verbs: ["*"], apiGroups: ["*"], resources });
  assert.ok(allows(rule("*"), "pods/log"));
  assert.ok(allows(rule("pods"), "pods"));
  assert.ok(!allows(rule("pods"), "pods/log"), "the resource does not grant its subresources");
  assert.ok(allows(rule("pods/log"), "pods/log"));
  assert.ok(!allows(rule("pods/log"), "pods"));
  assert.ok(allows(rule("*/scale"), "deployments/scale"));
  assert.ok(allows(rule("*/scale"), "statefulsets/scale"));
  assert.ok(!allows(rule("*/scale"), "deployments"));
  assert.ok(!allows(rule("*/scale"), "deployments/status"));
  assert.ok(!allows(rule("pods/*"), "pods/log"), "upstream's ResourceMatches has no <resource>/* form");
  assert.ok(!allows(rule("pods/*"), "pods"));
});

test("a resourceNames rule allows the named objects only, never list, watch, create or deletecollection", () => {
  const rule: PolicyRule = { verbs: ["*"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["settings"] };
  assert.ok(allows(rule, "configmaps", "get", { name: "settings" }));
  assert.ok(allows(rule, "configmaps", "update", { name: "settings" }));
  assert.ok(!allows(rule, "configmaps", "get", { name: "other" }));
  for (const verb of ["list", "watch", "create", "deletecollection"]) assert.ok(!allows(rule, "configmaps", verb), verb);
  // A list narrowed to one object by a metadata.name field selector carries that name.
  assert.ok(allows(rule, "configmaps", "list", { name: "settings" }));
});

test("nonResourceURLs: exact, or a prefix before a trailing *", () => {
  const exact: PolicyRule = { verbs: ["get"], nonResourceURLs: ["/metrics"] };
  const prefix: PolicyRule = { verbs: ["get"], nonResourceURLs: ["/metrics*"] };
  const sub: PolicyRule = { verbs: ["get"], nonResourceURLs: ["/healthz/*"] };
  assert.ok(ruleAllows(pathRequest("m", "get", "/metrics"), exact));
  assert.ok(!ruleAllows(pathRequest("m", "get", "/metrics/slis"), exact));
  assert.ok(ruleAllows(pathRequest("m", "get", "/metrics"), prefix));
  assert.ok(ruleAllows(pathRequest("m", "get", "/metrics/slis"), prefix));
  assert.ok(!ruleAllows(pathRequest("m", "post", "/metrics"), prefix), "verbs still apply");
  assert.ok(ruleAllows(pathRequest("m", "get", "/healthz/etcd"), sub));
  assert.ok(!ruleAllows(pathRequest("m", "get", "/healthz"), sub));
  assert.ok(ruleAllows(pathRequest("m", "get", "/anything"), { verbs: ["get"], nonResourceURLs: ["*"] }));
});

test("resource rules never match paths, URL rules never match resources", () => {
  assert.ok(!ruleAllows(pathRequest("m", "get", "/api"), { verbs: ["*"], apiGroups: ["*"], resources: ["*"] }));
  assert.ok(!allows({ verbs: ["*"], nonResourceURLs: ["*"] }, "pods"));
});
