import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { CONTROLLER_NAME, planEndpointSlices, sliceLabels, type SliceObject, type SlicePlan, type SlicePlanInput } from "./endpointslice-plan";
import { node, pod, service } from "./testing/service-fixtures";

const nodes = new Map([
  ["node-a", node("node-a", "zone-1")],
  ["node-b", node("node-b")],
]);
const lookup = (name: string) => nodes.get(name);

function plan(input: Partial<SlicePlanInput> & { pods: KubeObject[] }): SlicePlan {
  return planEndpointSlices({ service: service(), slices: [], node: lookup, ...input });
}

/** The slices after applying a plan, as the apiserver would store them (names, versions). */
function apply(before: readonly SliceObject[], p: SlicePlan): SliceObject[] {
  let seq = 0;
  const gone = new Set(p.delete.map((s) => s.metadata.name));
  const updated = new Map(p.update.map((s) => [s.metadata.name, s]));
  const kept = before.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  const created = p.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName}${++seq}${Date.now() % 1000}`, resourceVersion: "1" } }));
  return [...kept, ...created];
}

const addresses = (slices: readonly SliceObject[]) => slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();

test("one slice for a Service's pods: conditions, node, zone, targetRef, labels, owner", () => {
  const p = plan({ pods: [pod("web-1"), pod("web-2", { ready: false, node: "node-b" }), pod("web-3", { terminating: true })] });
  assert.equal(p.update.length + p.delete.length, 0);
  assert.equal(p.create.length, 1);
  const [slice] = p.create;
  assert.equal(slice.metadata.generateName, "web-");
  assert.deepEqual(slice.metadata.labels, { "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": CONTROLLER_NAME });
  assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "web", uid: "web-uid", controller: true, blockOwnerDeletion: true }]);
  assert.equal(slice.addressType, "IPv4");
  assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.deepEqual(slice.endpoints, [
    { addresses: ["10.244.1.11"], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: "Pod", namespace: "default", name: "web-1", uid: "web-1-uid" }, nodeName: "node-a", zone: "zone-1" },
    { addresses: ["10.244.1.12"], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: "Pod", namespace: "default", name: "web-2", uid: "web-2-uid" }, nodeName: "node-b" },
    // Terminating but still passing readiness: serving, not ready.
    { addresses: ["10.244.1.13"], conditions: { ready: false, serving: true, terminating: true }, targetRef: { kind: "Pod", namespace: "default", name: "web-3", uid: "web-3-uid" }, nodeName: "node-a", zone: "zone-1" },
  ]);
});

test("a resync writes nothing; a readiness change updates the slice in place", () => {
  const pods = [pod("web-1"), pod("web-2")];
  const slices = apply([], plan({ pods }));
  assert.deepEqual(plan({ pods, slices }), { create: [], update: [], delete: [], podsWithoutNode: 0 });
  const p = plan({ pods: [pod("web-1"), pod("web-2", { ready: false })], slices });
  assert.equal(p.create.length + p.delete.length, 0);
  assert.equal(p.update.length, 1);
  assert.equal(p.update[0].metadata.name, slices[0].metadata.name);
  assert.equal(p.update[0].metadata.resourceVersion, "1");
  assert.deepEqual(p.update[0].endpoints?.map((e) => e.conditions?.ready), [true, false]);
});

test("publishNotReadyAddresses: every endpoint is ready, serving still tells the truth", () => {
  const p = plan({ service: service("web", { publishNotReadyAddresses: true }), pods: [pod("web-1", { ready: false }), pod("web-2", { terminating: true, ready: false })] });
  assert.deepEqual(p.create[0].endpoints?.map((e) => e.conditions), [
    { ready: true, serving: false, terminating: false },
    { ready: true, serving: false, terminating: true },
  ]);
});

test("named ports resolving differently per pod go to different slices", () => {
  const svc = service("web", { ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] });
  const p = plan({ service: svc, pods: [pod("web-1", { ports: [{ name: "web", containerPort: 8080 }] }), pod("web-2", { ports: [{ name: "web", containerPort: 9090 }] })] });
  assert.deepEqual(
    p.create.map((s) => [s.ports?.map((x) => x.port), s.endpoints?.map((e) => e.targetRef?.name)]).sort(),
    [
      [[8080], ["web-1"]],
      [[9090], ["web-2"]],
    ],
  );
});

test("over maxEndpointsPerSlice: several slices; adding one fills an existing slice, removing empties none needlessly", () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`web-${i}`, { ip: `10.244.${(i >> 8) + 1}.${(i & 255) + 1}` }));
  const first = plan({ pods });
  assert.deepEqual(first.create.map((s) => s.endpoints?.length).sort(), [100, 100, 50]);
  const slices = apply([], first);
  assert.equal(addresses(slices).length, 250);

  const more = [...pods, pod("web-x", { ip: "10.244.9.9" })];
  const grow = plan({ pods: more, slices });
  assert.equal(grow.create.length, 0, "the new endpoint fits into the half-full slice");
  assert.equal(grow.update.length, 1);
  assert.equal(grow.update[0].endpoints?.length, 51);

  const fewer = plan({ pods: pods.slice(0, 249), slices });
  assert.equal(fewer.update.length, 1, "one endpoint left one slice");
  assert.equal(fewer.create.length + fewer.delete.length, 0);
});

test("no endpoints: one placeholder slice, kept as is on later syncs; the last pod leaving reuses the slice", () => {
  const empty = plan({ pods: [] });
  assert.equal(empty.create.length, 1);
  assert.deepEqual(empty.create[0].endpoints, []);
  assert.deepEqual(empty.create[0].ports, []);
  // Stored as the apiserver stores it: empty lists read back as null.
  const placeholder = apply([], empty).map((s) => ({ ...s, endpoints: null, ports: null }) as unknown as SliceObject);
  assert.deepEqual(plan({ pods: [], slices: placeholder }), { create: [], update: [], delete: [], podsWithoutNode: 0 });

  const filled = plan({ pods: [pod("web-1")], slices: placeholder });
  assert.equal(filled.create.length + filled.delete.length, 0, "the placeholder becomes the slice");
  assert.equal(filled.update[0].metadata.name, placeholder[0].metadata.name);
  const slices = apply(placeholder, filled);
  const emptied = plan({ pods: [], slices });
  assert.equal(emptied.create.length + emptied.delete.length, 0);
  assert.deepEqual(emptied.update[0].endpoints, []);
  assert.deepEqual(emptied.update[0].ports, []);
});

test("headless with hostname/subdomain; slices of another Service of the same name are deleted", () => {
  const svc = service("db", { clusterIP: "None", clusterIPs: ["None"], ports: [] });
  const p = plan({ service: svc, pods: [pod("web-1", { hostname: "db-0", subdomain: "db" })] });
  assert.equal(p.create[0].endpoints?.[0].hostname, "db-0");
  assert.deepEqual(p.create[0].ports, []);
  assert.equal(p.create[0].metadata.labels?.["service.kubernetes.io/headless"], "");

  const stale = apply([], plan({ pods: [pod("web-1")] })).map((s) => ({ ...s, metadata: { ...s.metadata, ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "old-uid" }] } }));
  const fresh = plan({ pods: [pod("web-1")], slices: stale });
  assert.deepEqual(fresh.delete.map((s) => s.metadata.name), [stale[0].metadata.name]);
  assert.equal(fresh.create.length, 1);
});

test("pods on unknown nodes wait (counted) unless not-ready addresses are published; labels follow the Service", () => {
  const p = plan({ pods: [pod("web-1", { node: "node-z" })] });
  assert.equal(p.podsWithoutNode, 1);
  assert.deepEqual(p.create[0].endpoints, [], "only the placeholder");
  const published = plan({ service: service("web", { publishNotReadyAddresses: true }), pods: [pod("web-1", { node: "node-z" })] });
  assert.equal(published.create[0].endpoints?.length, 1);

  const slices = apply([], plan({ pods: [pod("web-1")] }));
  const relabel = plan({ service: service("web", {}, { team: "a", "kubernetes.io/service-name": "spoof" }), pods: [pod("web-1")], slices });
  assert.equal(relabel.update.length, 1);
  assert.deepEqual(relabel.update[0].metadata.labels, sliceLabels(service("web", {}, { team: "a" })));
});
