import assert from "node:assert/strict";
import { test } from "node:test";
import { categorizeEndpoints, portEndpoints, type PortEndpoint } from "./endpoints";
import { endpoint, service } from "./testing/fixtures";

const ep = (ip: string, over: Partial<PortEndpoint> = {}): PortEndpoint => ({ ip, port: 80, ready: true, serving: true, terminating: false, local: false, ...over });
const ips = (l: PortEndpoint[]) => l.map((e) => e.ip);
const cluster = { internalLocal: false, externalLocal: false, externallyAccessible: false };

test("ready endpoints serve Cluster policy; unready ones never do", () => {
  const c = categorizeEndpoints([ep("10.0.0.1"), ep("10.0.0.2", { ready: false, serving: false })], cluster);
  assert.deepEqual(ips(c.cluster), ["10.0.0.1"]);
  assert.deepEqual(ips(c.reachable), ["10.0.0.1"]);
  assert.equal(c.hasAny, true);
});

test("serving-but-terminating endpoints are used only when no endpoint is ready", () => {
  const terminating = ep("10.0.0.2", { ready: false, terminating: true });
  assert.deepEqual(ips(categorizeEndpoints([ep("10.0.0.1"), terminating], cluster).cluster), ["10.0.0.1"]);
  assert.deepEqual(ips(categorizeEndpoints([terminating, ep("10.0.0.3", { ready: false, serving: false })], cluster).cluster), ["10.0.0.2"]);
  const none = categorizeEndpoints([ep("10.0.0.3", { ready: false, serving: false, terminating: true })], cluster);
  assert.deepEqual(none.cluster, []);
  assert.equal(none.hasAny, false);
});

test("internalTrafficPolicy Local uses this node's endpoints only, and knows there are others", () => {
  const c = categorizeEndpoints([ep("10.0.0.1"), ep("10.0.0.2", { local: true })], { internalLocal: true, externalLocal: false, externallyAccessible: false });
  assert.deepEqual(ips(c.cluster), []);
  assert.deepEqual(ips(c.local), ["10.0.0.2"]);
  const remoteOnly = categorizeEndpoints([ep("10.0.0.1")], { internalLocal: true, externalLocal: false, externallyAccessible: false });
  assert.deepEqual(remoteOnly.local, []);
  assert.equal(remoteOnly.hasAny, true, "drop (some node can serve), not reject");
});

test("externalTrafficPolicy Local still keeps the cluster endpoints for pods and the node itself", () => {
  const c = categorizeEndpoints([ep("10.0.0.1"), ep("10.0.0.2", { local: true })], { internalLocal: false, externalLocal: true, externallyAccessible: true });
  assert.deepEqual(ips(c.cluster), ["10.0.0.1", "10.0.0.2"]);
  assert.deepEqual(ips(c.local), ["10.0.0.2"]);
  assert.deepEqual(ips(c.reachable), ["10.0.0.1", "10.0.0.2"]);
  const localTerminating = categorizeEndpoints([ep("10.0.0.1"), ep("10.0.0.2", { local: true, ready: false, terminating: true })], { internalLocal: false, externalLocal: true, externallyAccessible: true });
  assert.deepEqual(ips(localTerminating.local), ["10.0.0.2"], "a local serving-terminating endpoint serves Local when no local one is ready");
});

test("port endpoints: matched by port name and protocol, first IPv4 address, sorted numerically, merged", () => {
  const svc = service("web", "10.96.0.10", [
    endpoint("10.244.1.10", 8080),
    endpoint("10.244.1.9", 8080, { nodeName: "node-a" }),
    endpoint("10.244.1.9", 8080, { ready: false }),
    endpoint("10.244.1.11", 53, {}, "dns", "UDP"),
    { ...endpoint("fd00::1", 8080), addresses: ["fd00::1", "10.244.1.12"] },
  ]);
  const eps = portEndpoints(svc, svc.ports[0], "node-a");
  assert.deepEqual(eps.map((e) => `${e.ip}:${e.port}:${e.ready}:${e.local}`), ["10.244.1.9:8080:true:true", "10.244.1.10:8080:true:false", "10.244.1.12:8080:true:false"]);
});
