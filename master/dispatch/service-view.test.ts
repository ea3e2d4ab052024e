import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { buildServiceView, serviceKeyOfSlice } from "./service-view";

function service(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "shop", uid: "svc-uid", resourceVersion: "42" }, spec, status };
}

function slice(name: string, fields: Record<string, unknown>): KubeObject {
  return { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name, namespace: "shop", labels: { "kubernetes.io/service-name": "web" } }, addressType: "IPv4", ...fields };
}

const pod = (name: string) => ({ kind: "Pod", namespace: "shop", name, uid: `${name}-uid` });

test("a ClusterIP Service: its fields, and one endpoint view per slice endpoint with the slice's ports", () => {
  const svc = service({
    type: "ClusterIP",
    clusterIP: "10.96.0.20",
    clusterIPs: ["10.96.0.20"],
    ports: [
      { name: "http", port: 80, targetPort: 8080, protocol: "TCP" },
      { name: "dns", port: 53, protocol: "UDP" },
    ],
    sessionAffinity: "ClientIP",
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    internalTrafficPolicy: "Local",
  });
  const view = buildServiceView(svc, [
    slice("web-b", {
      ports: [
        { name: "http", port: 8080, protocol: "TCP" },
        { name: "dns", port: 5353, protocol: "UDP" },
      ],
      endpoints: [
        { addresses: ["10.244.2.5"], conditions: { ready: false, serving: true, terminating: true }, nodeName: "node-b", targetRef: pod("web-2") },
        { addresses: ["10.244.1.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-a", zone: "z1", targetRef: pod("web-1"), hostname: "web-1" },
      ],
    }),
  ]);
  assert.deepEqual(
    { ...view, endpoints: [] },
    {
      namespace: "shop",
      name: "web",
      uid: "svc-uid",
      resourceVersion: "42",
      type: "ClusterIP",
      clusterIps: ["10.96.0.20"],
      headless: false,
      ports: [
        { name: "http", protocol: "TCP", port: 80, nodePort: 0 },
        { name: "dns", protocol: "UDP", port: 53, nodePort: 0 },
      ],
      sessionAffinity: "ClientIP",
      sessionAffinityTimeoutSeconds: 600,
      externalTrafficPolicy: "Cluster",
      internalTrafficPolicy: "Local",
      loadBalancerIps: [],
      externalIps: [],
      externalName: "",
      publishNotReadyAddresses: false,
      endpoints: [],
      healthCheckNodePort: 0,
    },
  );
  const ports = [
    { name: "dns", protocol: "UDP", port: 5353 },
    { name: "http", protocol: "TCP", port: 8080 },
  ];
  assert.deepEqual(view.endpoints, [
    { addresses: ["10.244.1.5"], ready: true, serving: true, terminating: false, nodeName: "node-a", hostname: "web-1", podName: "web-1", ports, zone: "z1" },
    { addresses: ["10.244.2.5"], ready: false, serving: true, terminating: true, nodeName: "node-b", hostname: "", podName: "web-2", ports, zone: "" },
  ]);
});

test("endpoints from several slices; per-slice ports; unknown conditions read as ready; FQDN and port-less entries skipped", () => {
  const view = buildServiceView(service({ clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] }), [
    slice("web-a", { ports: [{ name: "http", port: 8080, protocol: "TCP" }], endpoints: [{ addresses: ["10.244.1.5"], conditions: {} }] }),
    slice("web-b", { ports: [{ name: "http", port: 9090, protocol: "TCP" }], endpoints: [{ addresses: ["10.244.1.6"], conditions: { ready: false } }] }),
    slice("web-c", { addressType: "FQDN", ports: [{ name: "http", port: 80, protocol: "TCP" }], endpoints: [{ addresses: ["db.example.com"] }] }),
    slice("web-d", { ports: [{ name: "all" }], endpoints: [{ addresses: ["10.244.1.7"] }] }),
    slice("web-e", { ports: null, endpoints: null }),
  ]);
  assert.deepEqual(
    view.endpoints.map((e) => [e.addresses[0], e.ready, e.serving, e.ports.map((p) => p.port)]),
    [
      ["10.244.1.5", true, true, [8080]],
      ["10.244.1.6", false, false, [9090]],
      ["10.244.1.7", true, true, []],
    ],
  );
});

test("an endpoint listed in two slices (moving between them) appears once, in its best state", () => {
  const ports = [{ name: "http", port: 8080, protocol: "TCP" }];
  const view = buildServiceView(service({ clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] }), [
    slice("web-a", { ports, endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: false, serving: false } }] }),
    slice("web-b", { ports, endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true, serving: true } }] }),
  ]);
  assert.equal(view.endpoints.length, 1);
  assert.equal(view.endpoints[0].ready, true);
});

test("headless, NodePort/LoadBalancer, external IPs, ExternalName", () => {
  const headless = buildServiceView(service({ clusterIP: "None", clusterIPs: ["None"], publishNotReadyAddresses: true }), [
    slice("db-a", { ports: null, endpoints: [{ addresses: ["10.244.1.5"], hostname: "db-0", conditions: { ready: true } }] }),
  ]);
  assert.equal(headless.headless, true);
  assert.deepEqual(headless.clusterIps, []);
  assert.equal(headless.publishNotReadyAddresses, true);
  assert.equal(headless.endpoints[0].hostname, "db-0");

  const lb = buildServiceView(
    service({ type: "LoadBalancer", clusterIP: "10.96.0.30", ports: [{ name: "", port: 80, nodePort: 30080, protocol: "TCP" }], externalIPs: ["192.0.2.10"], externalTrafficPolicy: "Local", healthCheckNodePort: 31000 }),
    [],
  );
  assert.deepEqual(lb.ports, [{ name: "", protocol: "TCP", port: 80, nodePort: 30080 }]);
  assert.deepEqual(lb.externalIps, ["192.0.2.10"]);
  assert.equal(lb.externalTrafficPolicy, "Local");
  assert.equal(lb.healthCheckNodePort, 31000);
  const withIngress = buildServiceView(service({ type: "LoadBalancer", clusterIP: "10.96.0.30" }, { loadBalancer: { ingress: [{ ip: "10.0.0.9", ipMode: "VIP" }, { hostname: "lb.example.com" }] } }), []);
  assert.deepEqual(withIngress.loadBalancerIps, ["10.0.0.9"]);

  const external = buildServiceView(service({ type: "ExternalName", externalName: "db.example.com" }), [slice("x", { endpoints: [{ addresses: ["10.244.1.5"] }] })]);
  assert.equal(external.externalName, "db.example.com");
  assert.deepEqual(external.clusterIps, []);
  assert.deepEqual(external.endpoints, []);
});

test("a slice names its Service by label", () => {
  assert.equal(serviceKeyOfSlice(slice("web-a", {})), "shop/web");
  assert.equal(serviceKeyOfSlice({ metadata: { name: "x", namespace: "shop" } }), undefined);
});
