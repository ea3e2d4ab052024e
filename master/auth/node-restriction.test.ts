import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object";
import { nodeRestrictionProblem, type AdmissionAttributes } from "./node-restriction";
import type { User } from "./user";

const nodeB: User = { name: "system:node:node-b", groups: ["system:nodes", "system:authenticated"] };
const admin: User = { name: "kubernetes-admin", groups: ["system:masters"] };

function nodeObj(name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels }, spec: { taints } };
}
function podObj(name: string, node: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels }, spec: { nodeName: node, containers: [] } };
}
function check(o: Partial<AdmissionAttributes> & Pick<AdmissionAttributes, "operation" | "resource">): string | undefined {
  return nodeRestrictionProblem({ user: nodeB, apiGroup: "", subresource: "", namespace: "", name: "", ...o });
}

test("only nodes are restricted", () => {
  assert.equal(nodeRestrictionProblem({ user: admin, operation: "update", apiGroup: "", resource: "nodes", subresource: "", namespace: "", name: "node-a", object: nodeObj("node-a"), oldObject: nodeObj("node-a") }), undefined);
});

test("a node may write its own Node only", () => {
  const own = nodeObj("node-b", { "kubernetes.io/hostname": "node-b", "kubernetes.io/os": "linux", "example.com/role": "db" });
  assert.equal(check({ operation: "create", resource: "nodes", name: "node-b", object: own }), undefined);
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-a", object: nodeObj("node-a"), oldObject: nodeObj("node-a") }), 'node "node-b" is not allowed to modify node "node-a"');
  assert.equal(check({ operation: "update", resource: "nodes", subresource: "status", name: "node-a", object: nodeObj("node-a"), oldObject: nodeObj("node-a") }), 'node "node-b" is not allowed to modify node "node-a"');
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-b", object: own, oldObject: own }), undefined);
});

test("node-restriction.kubernetes.io/ and foreign kubernetes.io labels are off limits; taints too", () => {
  const withRestricted = nodeObj("node-b", { "node-restriction.kubernetes.io/pci": "true", "kubernetes.io/hostname": "node-b" });
  assert.equal(check({ operation: "create", resource: "nodes", name: "node-b", object: withRestricted }), 'node "node-b" is not allowed to set the following labels: node-restriction.kubernetes.io/pci');
  const before = nodeObj("node-b", { "node-restriction.kubernetes.io/pci": "true" });
  const removed = nodeObj("node-b", {});
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-b", object: removed, oldObject: before }), "is not allowed to modify labels: node-restriction.kubernetes.io/pci");
  const role = nodeObj("node-b", { "node-role.kubernetes.io/control-plane": "" });
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-b", object: role, oldObject: removed }), "is not allowed to modify labels: node-role.kubernetes.io/control-plane");
  const zone = nodeObj("node-b", { "topology.kubernetes.io/zone": "a", "node.kubernetes.io/exclude-from-external-load-balancers": "" });
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-b", object: zone, oldObject: removed }), undefined, "kubelet labels are fine");
  const untainted = nodeObj("node-b", {}, []);
  const tainted = nodeObj("node-b", {}, [{ key: "dedicated", effect: "NoSchedule" }]);
  assert.equal(check({ operation: "update", resource: "nodes", name: "node-b", object: untainted, oldObject: tainted }), 'node "node-b" is not allowed to modify taints');
});

test("leases: its own, in kube-node-lease", () => {
  assert.equal(check({ operation: "create", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "node-b" }), undefined);
  assert.equal(check({ operation: "create", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "node-a" }), "can only access node lease with the same name as the requesting node");
  assert.equal(check({ operation: "update", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "default", name: "node-b" }), 'can only access leases in the "kube-node-lease" system namespace');
});

test("pods: status, delete and eviction of pods bound to it; no creates; no labels through status", () => {
  const mine = podObj("web", "node-b", { app: "web" });
  const theirs = podObj("db", "node-a");
  assert.equal(check({ operation: "update", resource: "pods", subresource: "status", namespace: "default", name: "web", object: mine, oldObject: mine }), undefined);
  assert.equal(check({ operation: "update", resource: "pods", subresource: "status", namespace: "default", name: "db", object: theirs, oldObject: theirs }), 'node "node-b" can only update pod status for pods with spec.nodeName set to itself');
  assert.equal(check({ operation: "update", resource: "pods", subresource: "status", namespace: "default", name: "web", object: podObj("web", "node-b", { app: "evil" }), oldObject: mine }), 'node "node-b" cannot update labels through pod status');
  assert.equal(check({ operation: "delete", resource: "pods", namespace: "default", name: "web", oldObject: mine }), undefined);
  assert.equal(check({ operation: "delete", resource: "pods", namespace: "default", name: "db", oldObject: theirs }), 'node "node-b" can only delete pods with spec.nodeName set to itself');
  assert.equal(check({ operation: "create", resource: "pods", subresource: "eviction", namespace: "default", name: "db", oldObject: theirs }), "node node-b can only evict pods with spec.nodeName set to itself");
  assert.equal(check({ operation: "create", resource: "pods", namespace: "default", name: "x", object: podObj("x", "node-b") }), 'pod does not have "kubernetes.io/config.mirror" annotation, node "node-b" can only create mirror pods');
});
