// The scheduler against a real etcd through the same API objects and admission kubectl uses:
// Node objects with capacity, Pods with requests, and what ends up in etcd.

import assert from "node:assert/strict";
import { after, before, test, type TestContext } from "node:test";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { acquireInformer } from "../cache/shared-informers";
import { ensureSystemNamespaces } from "../bootstrap";
import { createLogger } from "../log";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { TEST_ADMIN } from "../registry/testing";
import { Scheduler } from "./scheduler";
import { testNode, testPod, type NodeSpecForTest, type PodSpecForTest } from "./testing";
import type { SchedulerOptions } from "./types";

let env: TestEtcd;
let ctx: ApiContext;
let nodes: ResourceClient;
let pods: ResourceClient;
let events: ResourceClient;
const log = createLogger("scheduler-test", "silent");

before(async () => {
  env = await startTestEtcd();
  ctx = new ApiContext(env.store);
  await ensureSystemNamespaces(ctx);
  // The node-ports test's pods use hostPorts, which Pod Security's default (baseline) refuses.
  await new ResourceClient(ctx, findResource("", "v1", "namespaces")!, TEST_ADMIN).update(undefined, "default", (ns) => ({
    ...ns,
    metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, "pod-security.kubernetes.io/enforce": "privileged" } },
  }));
  await ctx.namespaces.start();
  nodes = new ResourceClient(ctx, findResource("", "v1", "nodes")!, TEST_ADMIN);
  pods = new ResourceClient(ctx, findResource("", "v1", "pods")!, TEST_ADMIN);
  events = new ResourceClient(ctx, findResource("", "v1", "events")!, TEST_ADMIN);
});
after(async () => {
  await ctx?.namespaces.stop();
  await env?.stop();
});

/** A clean cluster (no nodes, pods or events) and a running scheduler, stopped after the test. */
async function cluster(t: TestContext, options: Partial<SchedulerOptions> = {}): Promise<Scheduler> {
  for (const prefix of ["/registry/nodes/", "/registry/pods/", "/registry/events/"]) await env.store.client.delete().prefix(prefix);
  const scheduler = new Scheduler({ ctx, log }, { initialBackoffMs: 50, maxBackoffMs: 200, ...options });
  await scheduler.start();
  t.after(() => scheduler.stop());
  return scheduler;
}

const addNode = (name: string, o: NodeSpecForTest = {}) => nodes.create(testNode(name, o));

async function addPod(name: string, o: PodSpecForTest = {}): Promise<KubeObject> {
  const pod = testPod(name, o);
  delete pod.status;
  delete pod.metadata.uid;
  return pods.create(pod);
}

const nodeOf = (pod: KubeObject) => ((pod.spec ?? {}) as { nodeName?: string }).nodeName;
const condition = (pod: KubeObject) => ((pod.status ?? {}) as { conditions?: Record<string, unknown>[] }).conditions?.find((c) => c.type === "PodScheduled");

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const boundTo = (name: string) =>
  waitFor(`${name} to be bound`, async () => {
    const p = await pods.get("default", name);
    return nodeOf(p);
  });

const unschedulableMessage = (name: string) =>
  waitFor(`${name} to be marked unschedulable`, async () => {
    const c = condition(await pods.get("default", name));
    return c?.status === "False" ? (c.message as string) : undefined;
  });

test("bin-packing (default): one node is filled before the next is used", async (t) => {
  await cluster(t);
  await addNode("node-a", { cpu: "4", memory: "8Gi" });
  await addNode("node-b", { cpu: "4", memory: "8Gi" });
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) {
    await addPod(`web-${i}`, { cpu: "1", memory: "1Gi" });
    placed.push(await boundTo(`web-${i}`));
  }
  const first = placed[0];
  const second = first === "node-a" ? "node-b" : "node-a";
  assert.deepEqual(placed, [first, first, first, first, second, second], `placements: ${placed.join(", ")}`);
  const bound = await pods.get("default", "web-0");
  assert.equal(condition(bound)?.status, "True");
  const scheduled = await waitFor("the Scheduled event", async () =>
    (await events.list("default")).find((e) => e.reason === "Scheduled" && (e.involvedObject as { name: string }).name === "web-0"),
  );
  assert.equal(scheduled.message, `Successfully assigned default/web-0 to ${first}`);
  assert.equal(scheduled.type, "Normal");
  assert.deepEqual(scheduled.source, { component: "default-scheduler" });
});

test("a burst's Scheduled events: the first 9 pods get their own, the rest one aggregate with their count", async (t) => {
  const scheduler = await cluster(t);
  await addNode("node-a", { cpu: "64", memory: "64Gi" });
  await Promise.all(Array.from({ length: 40 }, (_, i) => addPod(`burst-${i}`, { cpu: "100m" })));
  const scheduled = await waitFor("10 Scheduled events, the aggregate counting 31", async () => {
    const list = (await events.list("default")).filter((e) => e.reason === "Scheduled");
    const aggregate = list.find((e) => (e.message as string).startsWith("(combined from similar events): "));
    return list.length === 10 && aggregate?.count === 31 ? list : undefined;
  });
  const own = scheduled.filter((e) => !(e.message as string).startsWith("(combined"));
  for (const e of own) assert.equal(e.message, `Successfully assigned default/${(e.involvedObject as { name: string }).name} to node-a`);
  const m = scheduler.metrics().events;
  assert.deepEqual([m.recorded, m.skipped, m.created], [40, 0, 10]);
  assert.ok(m.updated <= 5, `${m.updated} updates of the aggregate`);
});

test("least-allocated spreads pods over the emptiest nodes", async (t) => {
  await cluster(t, { scoring: "least-allocated" });
  await addNode("node-a", { cpu: "4", memory: "8Gi" });
  await addNode("node-b", { cpu: "4", memory: "8Gi" });
  const placed: string[] = [];
  for (let i = 0; i < 4; i++) {
    await addPod(`web-${i}`, { cpu: "1", memory: "1Gi" });
    placed.push(await boundTo(`web-${i}`));
  }
  for (let i = 1; i < placed.length; i++) assert.notEqual(placed[i], placed[i - 1], `placements: ${placed.join(", ")}`);
});

test("a burst never over-commits: assumed pods count before their binds land", async (t) => {
  const scheduler = await cluster(t);
  await addNode("node-a", { cpu: "4", memory: "64Gi" });
  await addNode("node-b", { cpu: "4", memory: "64Gi" });
  await Promise.all(Array.from({ length: 12 }, (_, i) => addPod(`job-${i}`, { cpu: "1" })));
  const all = await waitFor("8 bound and 4 unschedulable", async () => {
    const list = await pods.list("default");
    const bound = list.filter((p) => nodeOf(p)).length;
    const waiting = list.filter((p) => condition(p)?.status === "False").length;
    return bound === 8 && waiting === 4 ? list : undefined;
  });
  const perNode = new Map<string, number>();
  for (const p of all) if (nodeOf(p)) perNode.set(nodeOf(p)!, (perNode.get(nodeOf(p)!) ?? 0) + 1);
  assert.deepEqual([...perNode.values()], [4, 4]);
  assert.ok(scheduler.metrics().binder.batches < 8, `binds were batched: ${JSON.stringify(scheduler.metrics().binder)}`);
});

test("nodeSelector, required affinity, taints, cordons and host ports are honoured, and the reasons reported", async (t) => {
  await cluster(t);
  await addNode("node-a", { labels: { zone: "a" } });
  await addNode("node-b", { labels: { zone: "b" } });
  await addNode("gpu-1", { labels: { gpu: "true", zone: "a" }, taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] });
  await addNode("cordoned", { labels: { zone: "c" }, unschedulable: true });

  await addPod("train", { nodeSelector: { gpu: "true" }, tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] });
  assert.equal(await boundTo("train"), "gpu-1");
  await addPod("zone-b", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["b", "c"] }] }] } } } });
  assert.equal(await boundTo("zone-b"), "node-b", "cordoned matches the affinity but takes no new pods");
  await addPod("ds-like", { nodeSelector: { zone: "c" }, tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
  assert.equal(await boundTo("ds-like"), "cordoned");

  await addPod("no-toleration", { nodeSelector: { gpu: "true" } });
  assert.equal(
    await unschedulableMessage("no-toleration"),
    "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
  );

  await addPod("proxy-1", { hostPort: 8080 });
  await addPod("proxy-2", { hostPort: 8080 });
  const proxies = [await boundTo("proxy-1"), await boundTo("proxy-2")].sort();
  assert.deepEqual(proxies, ["node-a", "node-b"]);
  await addPod("proxy-3", { hostPort: 8080 });
  assert.equal(
    await unschedulableMessage("proxy-3"),
    "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable, 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
  );
});

test("a pod that fits nowhere gets the exact message and a FailedScheduling event, and is scheduled once a node with room appears", async (t) => {
  await cluster(t);
  await addNode("node-a", { cpu: "2" });
  await addNode("node-b", { cpu: "2" });
  await addNode("node-c", { cpu: "16", unschedulable: true });
  await addPod("big", { cpu: "4" });
  const expected =
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.";
  assert.equal(await unschedulableMessage("big"), expected);
  const pod = await pods.get("default", "big");
  assert.equal(condition(pod)?.reason, "Unschedulable");
  const failed = await waitFor("the FailedScheduling event", async () => (await events.list("default")).find((e) => e.reason === "FailedScheduling"));
  assert.equal(failed.type, "Warning");
  assert.equal(failed.message, expected);
  assert.deepEqual((failed.involvedObject as { name: string; uid: string }).uid, pod.metadata.uid);

  await addNode("node-d", { cpu: "8" });
  assert.equal(await boundTo("big"), "node-d");
  assert.equal(condition(await pods.get("default", "big"))?.status, "True");
});

test("a cluster change wakes parked pods: uncordoning a node and deleting a pod", async (t) => {
  await cluster(t);
  await addNode("node-a", { cpu: "2", unschedulable: true });
  await addPod("waiting", { cpu: "1" });
  await unschedulableMessage("waiting");
  await nodes.update(undefined, "node-a", (n) => ({ ...n, spec: { ...(n.spec as object), unschedulable: false } }));
  assert.equal(await boundTo("waiting"), "node-a");

  await addPod("second", { cpu: "1500m" });
  assert.match(await unschedulableMessage("second"), /^0\/1 nodes are available: 1 Insufficient cpu\./);
  await env.store.client.delete().key("/registry/pods/default/waiting");
  assert.equal(await boundTo("second"), "node-a");
});

test("pods for another scheduler, already bound or terminating are left alone", async (t) => {
  const scheduler = await cluster(t);
  await addNode("node-a");
  await addPod("other", { schedulerName: "my-scheduler" });
  await addPod("pinned", { nodeName: "node-a" });
  await addPod("mine");
  assert.equal(await boundTo("mine"), "node-a");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(nodeOf(await pods.get("default", "other")), undefined);
  assert.equal(condition(await pods.get("default", "other")), undefined);
  assert.equal(scheduler.metrics().scheduled, 1);
});

test("restartable: a new term after stop schedules what arrived meanwhile", async (t) => {
  const scheduler = await cluster(t);
  await addNode("node-a");
  await scheduler.stop();
  await addPod("while-stopped");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(nodeOf(await pods.get("default", "while-stopped")), undefined, "a stopped scheduler writes nothing");
  await scheduler.start();
  assert.equal(await boundTo("while-stopped"), "node-a");
});

test("shared informers: started after another lessee, it still sees every cached node and pod; stop and start again work", async (t) => {
  for (const prefix of ["/registry/nodes/", "/registry/pods/", "/registry/events/"]) await env.store.client.delete().prefix(prefix);
  // Another component (a controller, say) already runs the node and pod informers.
  const held = [await acquireInformer(ctx, findResource("", "v1", "nodes")!), await acquireInformer(ctx, findResource("", "v1", "pods")!)];
  t.after(() => Promise.all(held.map((l) => l.release())));
  await addNode("node-a", { cpu: "2" });
  await addNode("node-b", { cpu: "2" });
  await addPod("big", { cpu: "1500m", nodeName: "node-a" });
  await addPod("waiting", { cpu: "1" });
  await waitFor("the shared caches", async () => (held[0].list().length === 2 && held[1].list().length === 2 ? true : undefined));

  const scheduler = new Scheduler({ ctx, log }, { initialBackoffMs: 50, maxBackoffMs: 200 });
  await scheduler.start();
  t.after(() => scheduler.stop());
  // node-a is the fuller node, but "big" (seen only through the cache) leaves no room there.
  assert.equal(await boundTo("waiting"), "node-b");

  await scheduler.stop();
  assert.equal(held[1].list().length, 2, "the other lessee's cache outlives the scheduler's lease");
  await addPod("later", { cpu: "1" });
  await scheduler.start();
  assert.equal(await boundTo("later"), "node-b");
});
