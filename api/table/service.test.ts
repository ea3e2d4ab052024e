import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { servicePrinter } from "./service";
import { MINUTE, NOW, ago } from "./testing/clock";

function service(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default", creationTimestamp: ago(42 * MINUTE) }, spec, status };
}
const cells = (s: KubeObject) => servicePrinter.print(s, NOW).cells;

test("a NodePort service shows port:nodePort/protocol", () => {
  const s = service({
    type: "NodePort",
    clusterIP: "10.96.14.7",
    clusterIPs: ["10.96.14.7"],
    selector: { app: "web" },
    ports: [{ port: 80, targetPort: 80, nodePort: 30080, protocol: "TCP" }],
  });
  assert.deepEqual(cells(s), ["web", "NodePort", "10.96.14.7", "<none>", "80:30080/TCP", "42m", "app=web"]);
});

test("a ClusterIP service with several ports, external IPs and no selector", () => {
  const s = service({
    type: "ClusterIP",
    clusterIP: "10.96.0.10",
    externalIPs: ["192.0.2.10", "192.0.2.11"],
    ports: [
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, protocol: "TCP" },
      { name: "metrics", port: 9153 },
    ],
  });
  assert.deepEqual(cells(s), ["web", "ClusterIP", "10.96.0.10", "192.0.2.10,192.0.2.11", "53/UDP,53/TCP,9153/TCP", "42m", "<none>"]);
});

test("headless, unallocated and port-less services", () => {
  assert.deepEqual(cells(service({ clusterIP: "None", selector: { app: "db" } })).slice(1, 5), ["ClusterIP", "None", "<none>", "<none>"]);
  assert.equal(cells(service({ type: "ClusterIP" }))[2], "<none>");
  assert.equal(cells(service({ clusterIPs: ["10.96.3.3", "fd00:10:96::3"] }))[2], "10.96.3.3");
});

test("LoadBalancer: <pending> until an ingress appears, then IPs or hostnames, sorted, then externalIPs", () => {
  const lb = { type: "LoadBalancer", clusterIP: "10.96.5.5", ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] };
  assert.deepEqual(cells(service(lb)).slice(1, 5), ["LoadBalancer", "10.96.5.5", "<pending>", "443:31443/TCP"]);
  const assigned = service(
    { ...lb, externalIPs: ["192.0.2.50"] },
    { loadBalancer: { ingress: [{ ip: "203.0.113.9" }, { hostname: "lb.example.com" }, { ip: "203.0.113.1" }, { ip: "203.0.113.9" }] } },
  );
  assert.equal(cells(assigned)[3], "203.0.113.1,203.0.113.9,lb.example.com,192.0.2.50");
});

test("ExternalName shows the DNS name it aliases", () => {
  assert.deepEqual(cells(service({ type: "ExternalName", externalName: "db.example.com" })).slice(1, 5), [
    "ExternalName",
    "<none>",
    "db.example.com",
    "<none>",
  ]);
});
