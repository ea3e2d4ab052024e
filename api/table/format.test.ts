import assert from "node:assert/strict";
import { test } from "node:test";
import { containerCells, formatLabelSelector, formatLabels, joinHostPort, labelSelectorString, since } from "./format";
import { HOUR, MINUTE, NOW, ago } from "./testing/clock";

test("since measures from the given clock and reports unset timestamps as <unknown>", () => {
  assert.equal(since(ago(5 * MINUTE), NOW), "5m");
  assert.equal(since(ago(26 * HOUR), NOW), "26h");
  assert.equal(since(undefined, NOW), "<unknown>");
  assert.equal(since("", NOW), "<unknown>");
  assert.equal(since("not a time", NOW), "<unknown>");
  // events.k8s.io MicroTime carries microseconds
  assert.equal(since("2025-06-01T11:59:30.123456Z", NOW), "29s");
});

test("formatLabels sorts keys and prints <none> when empty", () => {
  assert.equal(formatLabels({ tier: "front", app: "web" }), "app=web,tier=front");
  assert.equal(formatLabels({}), "<none>");
  assert.equal(formatLabels(undefined), "<none>");
});

test("label selectors render like Kubernetes' selector.String()", () => {
  assert.equal(
    labelSelectorString({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "back"] },
        { key: "env", operator: "NotIn", values: ["prod"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "zone", operator: "Exists" },
      ],
    }),
    "app=web,!canary,env notin (prod),tier in (back,front),zone",
  );
  assert.equal(labelSelectorString({}), "");
  assert.equal(labelSelectorString(undefined), "");
  assert.equal(labelSelectorString({ matchExpressions: [{ key: "a", operator: "Near", values: ["b"] }] }), undefined);
  assert.equal(labelSelectorString({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }), undefined);
  assert.equal(labelSelectorString({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }), undefined);
});

test("formatLabelSelector says <none> for empty and <error> for malformed selectors", () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: "web" } }), "app=web");
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector(null), "<none>");
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Near" }] }), "<error>");
});

test("containerCells and joinHostPort", () => {
  assert.deepEqual(
    containerCells([
      { name: "web", image: "nginx:1.27" },
      { name: "log", image: "busybox" },
    ]),
    ["web,log", "nginx:1.27,busybox"],
  );
  assert.deepEqual(containerCells(undefined), ["", ""]);
  assert.equal(joinHostPort("10.244.1.5", 80), "10.244.1.5:80");
  assert.equal(joinHostPort("fd00::5", 8080), "[fd00::5]:8080");
});
