import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object";
import { desiredEndpoints, desiredSlices, dnsEndpointsOf, gatewayOf, mergeInto, needsWrite } from "./kube-dns-endpoints-core";

const node = (name: string, spec: object, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name, ...extra }, spec });
const service: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "kube-dns", namespace: "kube-system", uid: "svc-uid" } };

test("every node with a pod range, at its gateway address, by name", () => {
  assert.deepEqual(
    dnsEndpointsOf([
      node("node-b", { podCIDR: "10.244.2.0/24", podCIDRs: ["10.244.2.0/24"] }),
      node("node-a", { podCIDRs: ["10.244.1.0/24"] }),
      node("node-c", {}),
      node("node-d", { podCIDR: "10.244.4.0/24" }, { deletionTimestamp: "2024-01-01T00:00:00Z" }),
      node("node-e", { podCIDR: "fd00::/64" }),
    ]),
    [
      { nodeName: "node-a", address: "10.244.1.1" },
      { nodeName: "node-b", address: "10.244.2.1" },
    ],
  );
});

test("the v1 Endpoints: one subset with every gateway and its node, ports dns/UDP and dns-tcp/TCP, skip-mirror", () => {
  const ep = desiredEndpoints([{ nodeName: "node-a", address: "10.244.1.1" }]);
  assert.deepEqual(ep, {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns", "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [
      {
        addresses: [{ ip: "10.244.1.1", nodeName: "node-a" }],
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    ],
  });
  assert.deepEqual(desiredEndpoints([]).subsets, []);
  const many = desiredEndpoints(Array.from({ length: 1001 }, (_, i) => ({ nodeName: `n${i}`, address: `10.${Math.floor(i / 256)}.${i % 256}.1` })));
  assert.equal((many.subsets as { addresses: unknown[] }[])[0].addresses.length, 1000);
  assert.equal(many.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"], "truncated");
});

test("EndpointSlices of 100, owned by the Service, ready endpoints with nodeName", () => {
  const eps = Array.from({ length: 150 }, (_, i) => ({ nodeName: `n${String(i).padStart(3, "0")}`, address: `10.244.${i}.1` }));
  const slices = desiredSlices(service, eps);
  assert.deepEqual(
    slices.map((s) => [s.metadata.name, (s.endpoints as unknown[]).length]),
    [
      ["kube-dns-1", 100],
      ["kube-dns-2", 50],
    ],
  );
  const first = slices[0];
  assert.deepEqual(first.metadata.labels, { "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "kube-dns-endpoints.gantry.io", "k8s-app": "kube-dns" });
  assert.deepEqual(first.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "kube-dns", uid: "svc-uid", controller: true, blockOwnerDeletion: true }]);
  assert.equal(first.addressType, "IPv4");
  assert.deepEqual((first.endpoints as unknown[])[0], { addresses: ["10.244.0.1"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n000" });
  assert.deepEqual(first.ports, [
    { name: "dns", port: 53, protocol: "UDP" },
    { name: "dns-tcp", port: 53, protocol: "TCP" },
  ]);
  assert.deepEqual(
    desiredSlices(service, []).map((s) => [s.metadata.name, s.endpoints]),
    [["kube-dns-1", []]],
  );
});

test("writes only when what it sets differs; others' labels and annotations stay", () => {
  const desired = desiredEndpoints([{ nodeName: "node-a", address: "10.244.1.1" }]);
  const stored: KubeObject = { ...structuredClone(desired), metadata: { ...structuredClone(desired.metadata), uid: "u", resourceVersion: "7", labels: { ...desired.metadata.labels, team: "x" }, annotations: { note: "y" } } };
  assert.equal(needsWrite(stored, desired), false);
  const moved = desiredEndpoints([{ nodeName: "node-a", address: "10.244.9.1" }]);
  assert.equal(needsWrite(stored, moved), true);
  const merged = mergeInto(stored, moved);
  assert.equal(merged.metadata.uid, "u");
  assert.equal(merged.metadata.labels?.team, "x");
  assert.equal(merged.metadata.annotations?.note, "y");
  assert.deepEqual(merged.subsets, moved.subsets);
  assert.equal(needsWrite(merged, moved), false);
  assert.equal(needsWrite({ ...stored, metadata: { ...stored.metadata, labels: { team: "x" } } }, desired), true, "a removed label is put back");
});

test("the gateway is the first host address of the node's range", () => {
  assert.equal(gatewayOf("10.244.3.0/24"), "10.244.3.1");
  assert.equal(gatewayOf("10.244.3.77/24"), "10.244.3.1");
  assert.equal(gatewayOf("10.244.0.0/16"), "10.244.0.1");
  assert.equal(gatewayOf("10.244.3.0/31"), undefined);
  assert.equal(gatewayOf("fd00::/64"), undefined);
});
