import assert from "node:assert/strict";
import { test } from "node:test";
import { OVER_CAPACITY_ANNOTATION, desiredSubsets, planEndpoints, type EndpointsObject } from "./endpoints-plan";
import { pod, service } from "./testing/service-fixtures";

const ref = (name: string) => ({ kind: "Pod", namespace: "default", name, uid: `${name}-uid` });

test("ready pods are addresses, unready ones notReadyAddresses, in one subset per port set", () => {
  const subsets = desiredSubsets(service(), [pod("web-1"), pod("web-2", { ready: false }), pod("other", { labels: { app: "db" } })]);
  assert.deepEqual(subsets, [
    {
      addresses: [{ ip: "10.244.1.11", nodeName: "node-a", targetRef: ref("web-1") }],
      notReadyAddresses: [{ ip: "10.244.1.12", nodeName: "node-a", targetRef: ref("web-2") }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    },
  ]);
});

test("pods without an IP, finished pods and terminating pods are left out", () => {
  const pods = [pod("web-1", { ip: "" }), pod("web-2", { phase: "Succeeded" }), pod("web-3", { terminating: true }), pod("web-4")];
  const subsets = desiredSubsets(service(), pods);
  assert.deepEqual(subsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.targetRef?.name), ["web-4"]);
});

test("publishNotReadyAddresses: unready and terminating pods are ready addresses", () => {
  const svc = service("web", { publishNotReadyAddresses: true });
  const subsets = desiredSubsets(svc, [pod("web-1", { ready: false }), pod("web-2", { terminating: true })]);
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0].addresses?.map((a) => a.ip), ["10.244.1.11", "10.244.1.12"]);
  assert.equal(subsets[0].notReadyAddresses, undefined);
});

test("a named targetPort resolves per pod: pods that resolve it differently get their own subsets", () => {
  const svc = service("web", { ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] });
  const pods = [
    pod("web-1", { ports: [{ name: "web", containerPort: 8080 }] }),
    pod("web-2", { ports: [{ name: "web", containerPort: 9090 }] }),
    pod("web-3", { ports: [{ name: "web", containerPort: 8080 }] }),
    pod("web-4", { ports: [{ name: "web", containerPort: 8080, protocol: "UDP" }] }), // another protocol: not this port
    pod("web-5"), // no such port
  ];
  assert.deepEqual(
    desiredSubsets(svc, pods).map((s) => [s.ports?.map((p) => p.port), s.addresses?.map((a) => a.targetRef?.name)]),
    [
      [[8080], ["web-1", "web-3"]],
      [[9090], ["web-2"]],
    ],
  );
});

test("several ports: an address serving all of them lists them in one subset", () => {
  const svc = service("web", {
    ports: [
      { name: "http", port: 80, targetPort: 8080, protocol: "TCP" },
      { name: "metrics", port: 9100, protocol: "TCP" },
    ],
  });
  const [subset] = desiredSubsets(svc, [pod("web-1")]);
  assert.deepEqual(subset.ports, [
    { name: "http", port: 8080, protocol: "TCP" },
    { name: "metrics", port: 9100, protocol: "TCP" },
  ]);
});

test("headless: included, port-less when it has no ports, hostname for pods in its subdomain", () => {
  const svc = service("db", { clusterIP: "None", clusterIPs: ["None"], ports: [] });
  const pods = [pod("web-1", { hostname: "db-0", subdomain: "db" }), pod("web-2", { hostname: "x", subdomain: "other" })];
  assert.deepEqual(desiredSubsets(svc, pods), [
    {
      addresses: [
        { ip: "10.244.1.11", hostname: "db-0", nodeName: "node-a", targetRef: ref("web-1") },
        { ip: "10.244.1.12", nodeName: "node-a", targetRef: ref("web-2") },
      ],
    },
  ]);
  // A Service with a cluster IP and no ports gets nothing.
  assert.deepEqual(desiredSubsets(service("web", { ports: [] }), pods), []);
});

test("plan: create once, then nothing until something changes; labels follow the Service", () => {
  const svc = service("web", {}, { tier: "fe" });
  const pods = [pod("web-1")];
  const first = planEndpoints(svc, pods, undefined);
  assert.equal(first.action, "create");
  const created = { ...(first as { endpoints: EndpointsObject }).endpoints };
  assert.deepEqual(created.metadata, { name: "web", namespace: "default", labels: { tier: "fe" } });
  assert.equal((planEndpoints(service(), pods, undefined) as { endpoints: EndpointsObject }).endpoints.metadata.labels, undefined, "no labels: none written");
  const stored = { ...created, metadata: { ...created.metadata, resourceVersion: "7", uid: "ep-uid" } };
  assert.deepEqual(planEndpoints(svc, pods, stored), { action: "none" });

  const unready = planEndpoints(svc, [pod("web-1", { ready: false })], stored);
  assert.equal(unready.action, "update");
  const updated = (unready as { endpoints: EndpointsObject }).endpoints;
  assert.equal(updated.metadata.resourceVersion, "7");
  assert.equal(updated.subsets?.[0].notReadyAddresses?.length, 1);

  const relabelled = planEndpoints(service("web", {}, { tier: "be" }), pods, stored);
  assert.equal(relabelled.action, "update");
  assert.deepEqual((relabelled as { endpoints: EndpointsObject }).endpoints.metadata.labels, { tier: "be" });

  const headless = planEndpoints(service("web", { clusterIP: "None", clusterIPs: ["None"] }), pods, undefined) as { endpoints: EndpointsObject };
  assert.deepEqual(headless.endpoints.metadata.labels, { "service.kubernetes.io/headless": "" });
  const none = planEndpoints(svc, [], undefined) as { endpoints: EndpointsObject };
  assert.equal(none.endpoints.subsets, undefined, "no pods: no subsets at all");
});

test("over 1000 addresses: ready ones kept first, the object marked truncated", () => {
  const pods = Array.from({ length: 6 }, (_, i) => pod(`web-${i}`, { ready: i % 2 === 0 }));
  const plan = planEndpoints(service(), pods, undefined, 4) as { endpoints: EndpointsObject };
  const [subset] = plan.endpoints.subsets!;
  assert.equal(subset.addresses?.length, 3);
  assert.equal(subset.notReadyAddresses?.length, 1);
  assert.equal(plan.endpoints.metadata.annotations?.[OVER_CAPACITY_ANNOTATION], "truncated");
});
