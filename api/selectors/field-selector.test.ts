// Field selectors as kubectl sends them (describe node, events, rollout status), per-kind field
// support, escaping, and the exact-match hint used for indexing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import {
  fieldRequirementsToString,
  fieldSelectorExactMatch,
  fieldSelectorMatcher,
  parseFieldSelector,
  selectableFields,
} from "./field-selector";

function badRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    assert.equal(err.message, message);
    return true;
  });
}

const pod = (name: string, nodeName: string | undefined, phase: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { ...(nodeName ? { nodeName } : {}), restartPolicy: "Always", containers: [] },
  status: { phase, podIPs: [{ ip: "10.244.1.7" }], podIP: "10.244.1.7" },
});

test("kubectl describe node: pods on node1 that have not finished", () => {
  // Exactly what `kubectl describe node node1` sends (order as kubectl sends it).
  const m = fieldSelectorMatcher("Pod", "spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed");
  assert.equal(m(pod("a", "node1", "Running")), true);
  assert.equal(m(pod("b", "node1", "Pending")), true);
  assert.equal(m(pod("c", "node1", "Succeeded")), false);
  assert.equal(m(pod("d", "node1", "Failed")), false);
  assert.equal(m(pod("e", "node2", "Running")), false);
  assert.equal(m(pod("f", undefined, "Pending")), false);
});

test("unscheduled pods: spec.nodeName= selects pods with no node", () => {
  const m = fieldSelectorMatcher("Pod", "spec.nodeName=");
  assert.equal(m(pod("a", undefined, "Pending")), true);
  assert.equal(m(pod("b", "node1", "Running")), false);
});

test("== is the same as =, and metadata.name works for every kind", () => {
  const m = fieldSelectorMatcher("Deployment", "metadata.name==web");
  assert.equal(m({ metadata: { name: "web" } }), true);
  assert.equal(m({ metadata: { name: "api" } }), false);
  assert.equal(fieldSelectorMatcher("ConfigMap", "metadata.namespace=kube-system")({ metadata: { name: "x", namespace: "kube-system" } }), true);
});

test("pod fields: podIP from status.podIPs, hostNetwork defaulting to false", () => {
  assert.equal(fieldSelectorMatcher("Pod", "status.podIP=10.244.1.7")(pod("a", "n", "Running")), true);
  assert.equal(fieldSelectorMatcher("Pod", "spec.hostNetwork=false")(pod("a", "n", "Running")), true);
  assert.equal(fieldSelectorMatcher("Pod", "spec.restartPolicy=Always")(pod("a", "n", "Running")), true);
  // Old clients' spec.host is an alias of spec.nodeName.
  assert.deepEqual(parseFieldSelector("Pod", "spec.host=node1"), [{ field: "spec.nodeName", operator: "=", value: "node1" }]);
});

test("events: the involvedObject fields kubectl describe uses", () => {
  const event = {
    metadata: { name: "web.17", namespace: "default" },
    involvedObject: { kind: "Pod", namespace: "default", name: "web", uid: "u-1" },
    reason: "Scheduled",
    source: { component: "default-scheduler" },
    type: "Normal",
  };
  const m = fieldSelectorMatcher(
    "Event",
    "involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u-1",
  );
  assert.equal(m(event), true);
  assert.equal(m({ ...event, involvedObject: { ...event.involvedObject, uid: "u-2" } }), false);
  assert.equal(fieldSelectorMatcher("Event", "source=default-scheduler,type=Normal")(event), true);
  // source falls back to reportingComponent for events.k8s.io-style events.
  assert.equal(fieldSelectorMatcher("Event", "source=kubelet")({ metadata: {}, reportingComponent: "kubelet" }), true);
});

test("node, secret, namespace, replicaset and job fields", () => {
  assert.equal(fieldSelectorMatcher("Node", "spec.unschedulable=true")({ metadata: { name: "n" }, spec: { unschedulable: true } }), true);
  assert.equal(fieldSelectorMatcher("Node", "spec.unschedulable=false")({ metadata: { name: "n" }, spec: {} }), true);
  assert.equal(fieldSelectorMatcher("Secret", "type=kubernetes.io/tls")({ metadata: {}, type: "kubernetes.io/tls" }), true);
  assert.equal(fieldSelectorMatcher("Namespace", "status.phase=Terminating")({ metadata: {}, status: { phase: "Terminating" } }), true);
  assert.equal(fieldSelectorMatcher("ReplicaSet", "status.replicas=0")({ metadata: {}, status: {} }), true);
  assert.equal(fieldSelectorMatcher("ReplicaSet", "status.replicas!=0")({ metadata: {}, status: { replicas: 3 } }), true);
  assert.equal(fieldSelectorMatcher("Job", "status.successful=1")({ metadata: {}, status: { succeeded: 1 } }), true);
});

test("unknown fields are rejected per kind, with Kubernetes' message", () => {
  badRequest(() => parseFieldSelector("Pod", "spec.foo=bar"), "field label not supported: spec.foo");
  badRequest(() => parseFieldSelector("Deployment", "spec.nodeName=node1"), "field label not supported: spec.nodeName");
  // Nodes and namespaces are cluster-scoped and reject metadata.namespace, as Kubernetes does.
  badRequest(() => parseFieldSelector("Node", "metadata.namespace=x"), "field label not supported: metadata.namespace");
  assert.deepEqual(selectableFields("Node"), ["metadata.name", "spec.unschedulable"]);
});

test("malformed terms and escapes", () => {
  badRequest(() => parseFieldSelector("Pod", "spec.nodeName"), "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
  badRequest(() => parseFieldSelector("Pod", "metadata.name=a=b"), "invalid field selector: unescaped character in value: 61");
  badRequest(() => parseFieldSelector("Pod", "metadata.name=a\\x"), "invalid field selector: invalid escape sequence: \\x");
  const reqs = parseFieldSelector("Pod", "metadata.name=a\\,b\\=c\\\\d");
  assert.deepEqual(reqs, [{ field: "metadata.name", operator: "=", value: "a,b=c\\d" }]);
  assert.equal(fieldSelectorMatcher("Pod", "metadata.name=a\\,b")({ metadata: { name: "a,b" } }), true);
  assert.equal(fieldRequirementsToString(reqs), "metadata.name=a\\,b\\=c\\\\d");
  assert.deepEqual(parseFieldSelector("Pod", fieldRequirementsToString(reqs)), reqs);
});

test("empty selector and empty terms match everything", () => {
  assert.equal(fieldSelectorMatcher("Pod", "")(pod("a", "n", "Running")), true);
  assert.deepEqual(parseFieldSelector("Pod", ",,"), []);
});

test("exact match pins a field for indexing; != does not", () => {
  const reqs = parseFieldSelector("Pod", "spec.nodeName=node1,status.phase!=Succeeded");
  assert.equal(fieldSelectorExactMatch(reqs, "spec.nodeName"), "node1");
  assert.equal(fieldSelectorExactMatch(reqs, "status.phase"), undefined);
  assert.equal(fieldSelectorExactMatch(parseFieldSelector("Pod", "spec.host=n2"), "spec.nodeName"), "n2");
});
