import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "./index";

test("service: ClusterIP, no affinity, TCP ports targeting themselves, single-stack IPv4, Cluster traffic", () => {
  const svc = applyDefaults("Service", { kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }, { port: 443, targetPort: "https" }] } });
  assert.deepEqual(svc.spec, {
    selector: { app: "web" },
    ports: [
      { port: 80, protocol: "TCP", targetPort: 80 },
      { port: 443, targetPort: "https", protocol: "TCP" },
    ],
    sessionAffinity: "None",
    type: "ClusterIP",
    internalTrafficPolicy: "Cluster",
    ipFamilyPolicy: "SingleStack",
    ipFamilies: ["IPv4"],
  });
});

test("service: NodePort, ClientIP affinity, headless without selector, ExternalName", () => {
  const np = applyDefaults("Service", { kind: "Service", metadata: { name: "n" }, spec: { type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80 }] } }).spec as Record<string, unknown>;
  assert.equal(np.externalTrafficPolicy, "Cluster");
  assert.deepEqual(np.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const headless = applyDefaults("Service", { kind: "Service", metadata: { name: "h" }, spec: { clusterIP: "None" } }).spec as Record<string, unknown>;
  assert.deepEqual(headless.clusterIPs, ["None"]);
  assert.equal(headless.ipFamilyPolicy, "RequireDualStack");
  assert.deepEqual(headless.ipFamilies, ["IPv4", "IPv6"]);
  const lb = applyDefaults("Service", { kind: "Service", metadata: { name: "l" }, spec: { type: "LoadBalancer" } }).spec as Record<string, unknown>;
  assert.equal(lb.allocateLoadBalancerNodePorts, true);
  const ext = applyDefaults("Service", { kind: "Service", metadata: { name: "e" }, spec: { type: "ExternalName", externalName: "db.example.com" } }).spec as Record<string, unknown>;
  assert.equal(ext.ipFamilies, undefined);
  assert.equal(ext.internalTrafficPolicy, undefined);
});

test("secret: type Opaque, stringData folded into base64 data", () => {
  const s = applyDefaults("Secret", { kind: "Secret", metadata: { name: "s" }, data: { a: "eA==" }, stringData: { a: "über", b: "2" } });
  assert.equal(s.type, "Opaque");
  assert.deepEqual(s.data, { a: "w7xiZXI=", b: "Mg==" });
  assert.equal(s.stringData, undefined);
});

test("namespace: name label and phase Active; node: allocatable from capacity; endpoints: TCP", () => {
  const ns = applyDefaults("Namespace", { kind: "Namespace", metadata: { name: "team-a", labels: { x: "y" } } });
  assert.deepEqual(ns.metadata.labels, { x: "y", "kubernetes.io/metadata.name": "team-a" });
  assert.deepEqual(ns.status, { phase: "Active" });
  const node = applyDefaults("Node", { kind: "Node", metadata: { name: "n" }, status: { capacity: { cpu: "4" } } });
  assert.deepEqual((node.status as Record<string, unknown>).allocatable, { cpu: "4" });
  const ep = applyDefaults("Endpoints", { kind: "Endpoints", metadata: { name: "e" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }] });
  assert.deepEqual((ep.subsets as { ports: unknown }[])[0].ports, [{ port: 80, protocol: "TCP" }]);
});

test("kinds without defaults come back as an equal copy", () => {
  const cm = { kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
  const out = applyDefaults("ConfigMap", cm);
  assert.deepEqual(out, cm);
  assert.notEqual(out, cm);
});
