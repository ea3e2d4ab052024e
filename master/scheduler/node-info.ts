// What the scheduler knows about one node: its allocatable and scheduling-relevant fields, and the
// pods on it (bound and assumed), summed into requested resources and host ports in use.

import { isJsonObject, type KubeObject } from "../../api/object";
import type { HostPort, PodInfo } from "./pod-info";
import { addResources, nodeAllocatable, subtractResources, zeroResources, type NodeAllocatable, type Resources } from "./resources";
import { parseTaints, type Taint } from "./taints";

const ANY_IP = "0.0.0.0";

export class NodeInfo {
  /** Undefined while the cache knows pods bound to this name but not the Node object itself. */
  node?: KubeObject;
  allocatable: NodeAllocatable = { ...zeroResources(), pods: 0 };
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  /** Sum of the pods' effective requests (what filtering compares with allocatable). */
  requested: Resources = zeroResources();
  /** Same with scoring defaults for missing cpu/memory requests. */
  nonZeroRequested: Resources = zeroResources();
  readonly pods = new Map<string, PodInfo>();
  /** "<protocol>/<port>" → host IP → pods using it. */
  private ports = new Map<string, Map<string, number>>();
  private cachedSignature?: string;

  constructor(readonly name: string) {}

  setNode(node: KubeObject | undefined): void {
    this.node = node;
    this.cachedSignature = undefined;
    if (!node) return;
    const spec = isJsonObject(node.spec) ? node.spec : {};
    this.allocatable = nodeAllocatable(node.status);
    this.labels = node.metadata.labels ?? {};
    this.taints = parseTaints(spec.taints);
    this.unschedulable = spec.unschedulable === true;
  }

  addPod(pod: PodInfo): void {
    if (this.pods.has(pod.key)) this.removePod(pod.key);
    this.cachedSignature = undefined;
    this.pods.set(pod.key, pod);
    this.requested = addResources(this.requested, pod.requests);
    this.nonZeroRequested = addResources(this.nonZeroRequested, pod.nonZeroRequests);
    for (const p of pod.hostPorts) {
      const id = `${p.protocol}/${p.port}`;
      const byIp = this.ports.get(id) ?? new Map<string, number>();
      byIp.set(p.ip, (byIp.get(p.ip) ?? 0) + 1);
      this.ports.set(id, byIp);
    }
  }

  removePod(key: string): PodInfo | undefined {
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    this.cachedSignature = undefined;
    this.pods.delete(key);
    this.requested = subtractResources(this.requested, pod.requests);
    this.nonZeroRequested = subtractResources(this.nonZeroRequested, pod.nonZeroRequests);
    for (const p of pod.hostPorts) {
      const id = `${p.protocol}/${p.port}`;
      const byIp = this.ports.get(id);
      const n = byIp?.get(p.ip) ?? 0;
      if (!byIp || n === 0) continue;
      if (n === 1) byIp.delete(p.ip);
      else byIp.set(p.ip, n - 1);
      if (byIp.size === 0) this.ports.delete(id);
    }
    return pod;
  }

  /**
   * Whether any wanted host port is taken. 0.0.0.0 means every address: it conflicts with any use
   * of the same protocol/port, and any address conflicts with an existing 0.0.0.0.
   */
  portsConflict(wanted: readonly HostPort[]): boolean {
    for (const p of wanted) {
      const byIp = this.ports.get(`${p.protocol}/${p.port}`);
      if (!byIp || byIp.size === 0) continue;
      if (p.ip === ANY_IP || byIp.has(p.ip) || byIp.has(ANY_IP)) return true;
    }
    return false;
  }

  /**
   * Everything the filters and scorers read from a node except its name and labels. Nodes with
   * equal signatures give every pod that does not look at names or labels the same verdict and
   * score, so the pipeline evaluates one of them for all (see node-grouping.ts).
   */
  signature(): string {
    if (this.cachedSignature !== undefined) return this.cachedSignature;
    const a = this.allocatable;
    const r = this.requested;
    const z = this.nonZeroRequested;
    const ports = [...this.ports].map(([id, byIp]) => `${id}@${[...byIp.keys()].sort().join("+")}`).sort().join(",");
    const taints = this.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).join(",");
    this.cachedSignature = `${a.milliCpu}/${a.memory}/${a.ephemeralStorage}/${a.pods}|${r.milliCpu}/${r.memory}/${r.ephemeralStorage}|${z.milliCpu}/${z.memory}|${this.pods.size}|${this.unschedulable}|${taints}|${ports}`;
    return this.cachedSignature;
  }

  /** A copy for a snapshot: later cache changes do not show through it. */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.allocatable = this.allocatable;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.requested = this.requested;
    c.nonZeroRequested = this.nonZeroRequested;
    c.cachedSignature = this.cachedSignature;
    for (const [k, v] of this.pods) c.pods.set(k, v);
    for (const [id, byIp] of this.ports) c.ports.set(id, new Map(byIp));
    return c;
  }
}
