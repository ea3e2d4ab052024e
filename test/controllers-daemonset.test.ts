// The DaemonSet controller in this process, against a real etcd through the same ApiContext the
// master uses. Nodes are plain API objects and no agent or scheduler runs: pods stay unbound
// (pinned to their node by required node affinity) and the tests write `Ready=True` through the
// pods/status rules, as an agent's status report would.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PodSpec } from "kubernetes-types/core/v1";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import { DaemonSetController } from "../master/controllers/daemonset";
import { REVISION_HASH_LABEL } from "../master/controllers/daemonset-core";
import { targetNodeName } from "../master/controllers/daemonset-eligibility";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  namespaces: findResource("", "v1", "namespaces")!,
  nodes: findResource("", "v1", "nodes")!,
  pods: findResource("", "v1", "pods")!,
  events: findResource("", "v1", "events")!,
  ds: findResource("apps", "v1", "daemonsets")!,
};

const clock = { t: Date.now(), now: () => new Date(clock.t), advance: (s: number) => (clock.t += s * 1000) };
let api: InProcessApi;
const client = (r: (typeof R)[keyof typeof R]) => api.client(r);
const prefix = `ds${process.pid}`;

before(async () => {
  api = await startInProcessApi({ now: () => clock.now(), namespacePrefix: prefix, components: (c) => [new DaemonSetController(c, { resyncMs: 2000 })] });
});

after(() => api?.stop());


const stamp = () => `${clock.now().toISOString().slice(0, 19)}Z`;
const livePods = async (ns: string) => (await client(R.pods).list(ns)).filter((p) => !p.metadata.deletionTimestamp);
const byNode = async (ns: string) => Object.fromEntries((await livePods(ns)).map((p) => [targetNodeName(p.spec as PodSpec), p]));
type DsStatus = Record<string, number>;
const dsStatus = async (ns: string, name: string) => (await client(R.ds).get(ns, name)).status as DsStatus;

async function markAllReady(ns: string): Promise<void> {
  for (const p of await livePods(ns)) {
    const ready = ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    if (ready) continue;
    await client(R.pods).update(ns, p.metadata.name!, (cur) => ({
      ...cur,
      status: { ...(cur.status as object), phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: stamp() }] },
    }), { statusOnly: true });
  }
}

async function node(name: string, labels: Record<string, string>): Promise<KubeObject> {
  return client(R.nodes).create({ apiVersion: "v1", kind: "Node", metadata: { name, labels } });
}

test("one pod per matching node, pinned by affinity; nodes joining, leaving and tainted move pods; status counts", async () => {
  const ns = "kube-system";
  const [n1, n2, n3] = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
  await node(n1, { role: "edge" });
  await node(n2, { role: "edge" });
  await node(n3, { role: "core" });
  await client(R.ds).create({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "edge-agent", namespace: ns },
    spec: {
      selector: { matchLabels: { app: "edge-agent" } },
      template: { metadata: { labels: { app: "edge-agent" } }, spec: { nodeSelector: { role: "edge" }, containers: [{ name: "a", image: "busybox:1" }] } },
    },
  });

  const placed = await waitFor("two pods", async () => {
    const m = await byNode(ns);
    return Object.keys(m).length === 2 && m;
  });
  assert.deepEqual(Object.keys(placed).sort(), [n1, n2]);
  const spec = placed[n1].spec as PodSpec;
  assert.equal(spec.nodeName, undefined);
  assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: "metadata.name", operator: "In", values: [n1] }] }]);
  assert.ok(spec.tolerations?.some((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute" && t.tolerationSeconds === undefined));
  assert.ok(placed[n1].metadata.labels?.[REVISION_HASH_LABEL]);

  await markAllReady(ns);
  await waitFor("status 2/2 ready", async () => {
    const s = await dsStatus(ns, "edge-agent");
    return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 && s.observedGeneration === 1;
  });

  // A node joins the selection, another leaves it.
  await client(R.nodes).update(undefined, n3, (n) => ({ ...n, metadata: { ...n.metadata, labels: { role: "edge" } } }));
  await client(R.nodes).update(undefined, n1, (n) => ({ ...n, metadata: { ...n.metadata, labels: { role: "core" } } }));
  await waitFor("pods on b and c only", async () => {
    const nodes = Object.keys(await byNode(ns)).sort();
    return nodes.join() === [n2, n3].join();
  });

  // An untolerated NoExecute taint removes the pod; removing the node removes its pod too.
  await client(R.nodes).update(undefined, n2, (n) => ({ ...n, spec: { taints: [{ key: "maintenance", effect: "NoExecute" }] } }));
  await client(R.nodes).delete(undefined, n3);
  await waitFor("no pods left", async () => (await livePods(ns)).length === 0);
  await waitFor("status 0 desired", async () => (await dsStatus(ns, "edge-agent")).desiredNumberScheduled === 0);
  const reasons = (await client(R.events).list(ns)).filter((e) => (e.involvedObject as { name?: string }).name === "edge-agent").map((e) => e.reason);
  assert.ok(reasons.includes("SuccessfulCreate") && reasons.includes("SuccessfulDelete"), reasons.join());
  for (const n of [n1, n2]) await client(R.nodes).delete(undefined, n);
});

test("a rolling update replaces pods at most maxUnavailable at a time", async () => {
  const ns = "default";
  const names = [`${prefix}-r1`, `${prefix}-r2`, `${prefix}-r3`];
  for (const n of names) await node(n, { pool: "roll" });
  const template = (image: string) => ({ metadata: { labels: { app: "roller" } }, spec: { nodeSelector: { pool: "roll" }, containers: [{ name: "a", image }] } });
  await client(R.ds).create({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "roller", namespace: ns },
    spec: { selector: { matchLabels: { app: "roller" } }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } }, template: template("busybox:1") },
  });
  await waitFor("three pods", async () => (await livePods(ns)).length === 3);
  await markAllReady(ns);
  const oldHash = (await livePods(ns))[0].metadata.labels?.[REVISION_HASH_LABEL];
  await waitFor("all available", async () => (await dsStatus(ns, "roller")).numberAvailable === 3);

  await client(R.ds).update(ns, "roller", (d) => ({ ...d, spec: { ...(d.spec as object), template: template("busybox:2") } }));
  let maxUnavailable = 0;
  await waitFor("every pod replaced", async () => {
    const pods = await livePods(ns);
    const ready = pods.filter((p) => ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
    maxUnavailable = Math.max(maxUnavailable, 3 - ready.length);
    await markAllReady(ns);
    const s = await dsStatus(ns, "roller");
    return pods.length === 3 && pods.every((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== oldHash) && s.updatedNumberScheduled === 3 && s.numberAvailable === 3;
  }, 30_000);
  assert.ok(maxUnavailable <= 1, `at most one node without a ready pod, saw ${maxUnavailable}`);
  for (const n of names) await client(R.nodes).delete(undefined, n);
});
