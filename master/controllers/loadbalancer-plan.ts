// The LoadBalancer status controller's decisions, without I/O. Gantry has no cloud load
// balancer; like k3s's ServiceLB on bare metal, a LoadBalancer Service is reachable on its port
// at every node's address (the agents' service proxy serves it there), so its
// status.loadBalancer.ingress lists the InternalIPs of the nodes that can take traffic: Ready,
// schedulable, and not labelled node.kubernetes.io/exclude-from-external-load-balancers.
//
// A Service with spec.loadBalancerClass belongs to another implementation and is left alone;
// a Service that is no longer of type LoadBalancer loses the ingress this controller gave it.

import type { LoadBalancerStatus, Node } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { canonicalJson } from "./controller-utils";
import type { ServiceObject } from "./service-backends";

export const EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

/** Whether the node can take load-balancer traffic. */
export function servesLoadBalancers(node: KubeObject): boolean {
  const n = node as Node & KubeObject;
  if (n.spec?.unschedulable) return false;
  if (n.metadata.labels && EXCLUDE_FROM_LB_LABEL in n.metadata.labels) return false;
  return (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The InternalIPs of the nodes that serve load balancers, sorted, each once. */
export function loadBalancerNodeIPs(nodes: readonly KubeObject[]): string[] {
  const ips = new Set<string>();
  for (const node of nodes) {
    if (!servesLoadBalancers(node)) continue;
    for (const a of (node as Node & KubeObject).status?.addresses ?? []) if (a.type === "InternalIP" && a.address) ips.add(a.address);
  }
  return [...ips].sort(compareIPs);
}

function compareIPs(a: string, b: string): number {
  const parts = (ip: string) => (ip.includes(":") ? [] : ip.split(".").map(Number));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The status.loadBalancer the Service should have, or undefined when this controller has no
 * say (another loadBalancerClass) or nothing needs writing.
 */
export function planLoadBalancerStatus(svc: ServiceObject, nodeIPs: readonly string[]): LoadBalancerStatus | undefined {
  const current = svc.status?.loadBalancer ?? {};
  let desired: LoadBalancerStatus;
  if (svc.spec?.type === "LoadBalancer") {
    if (svc.spec.loadBalancerClass) return undefined;
    desired = nodeIPs.length > 0 ? { ingress: nodeIPs.map((ip) => ({ ip, ipMode: "VIP" })) } : {};
  } else {
    if ((current.ingress ?? []).length === 0) return undefined;
    desired = {};
  }
  return canonicalJson(current) === canonicalJson(desired) ? undefined : desired;
}
