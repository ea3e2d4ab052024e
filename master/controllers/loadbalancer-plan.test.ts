import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { loadBalancerNodeIPs, planLoadBalancerStatus } from "./loadbalancer-plan";
import { service } from "./testing/service-fixtures";

function node(name: string, ip: string, o: { ready?: boolean; unschedulable?: boolean; exclude?: boolean } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: o.exclude ? { "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {} },
    spec: o.unschedulable ? { unschedulable: true } : {},
    status: { conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }], addresses: [{ type: "Hostname", address: name }, { type: "InternalIP", address: ip }] },
  };
}

test("ingress: the InternalIPs of ready, schedulable, not excluded nodes, in address order", () => {
  const nodes = [node("c", "10.0.0.10"), node("a", "10.0.0.9"), node("b", "10.0.0.3", { ready: false }), node("d", "10.0.0.4", { unschedulable: true }), node("e", "10.0.0.5", { exclude: true })];
  assert.deepEqual(loadBalancerNodeIPs(nodes), ["10.0.0.9", "10.0.0.10"]);
});

test("a LoadBalancer Service gets them, once; other types lose them; another class is left alone", () => {
  const lb = service("web", { type: "LoadBalancer" });
  const status = planLoadBalancerStatus(lb, ["10.0.0.9", "10.0.0.10"]);
  assert.deepEqual(status, { ingress: [{ ip: "10.0.0.9", ipMode: "VIP" }, { ip: "10.0.0.10", ipMode: "VIP" }] });
  const written = { ...lb, status: { loadBalancer: status } };
  assert.equal(planLoadBalancerStatus(written, ["10.0.0.9", "10.0.0.10"]), undefined, "nothing to write");
  assert.deepEqual(planLoadBalancerStatus(written, ["10.0.0.9"]), { ingress: [{ ip: "10.0.0.9", ipMode: "VIP" }] });
  assert.deepEqual(planLoadBalancerStatus(written, []), {});
  assert.deepEqual(planLoadBalancerStatus({ ...written, spec: { ...written.spec, type: "ClusterIP" } }, ["10.0.0.9"]), {});
  assert.equal(planLoadBalancerStatus(service("web"), ["10.0.0.9"]), undefined);
  assert.equal(planLoadBalancerStatus(service("web", { type: "LoadBalancer", loadBalancerClass: "example.com/lb" }), ["10.0.0.9"]), undefined);
});
