// The node lifecycle controller in this process, against a real etcd through the same ApiContext
// the master uses, with the ReplicaSet controller beside it to show an evicted pod replaced.
// No agent runs: the test plays the agents, renewing Leases in kube-node-lease and writing the
// Node's Ready condition through nodes/status, and binds pods to nodes the way the scheduler
// does. The clock is injected: grace periods and tolerations run out when the test moves it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { NodeCondition, Taint } from "kubernetes-types/core/v1";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import type { ApiContext } from "../master/registry/context";
import { acquireInformer, type InformerLease } from "../master/cache/shared-informers";
import { NodeLifecycleController } from "../master/controllers/node-lifecycle";
import { ReplicaSetController } from "../master/controllers/replicaset";
import { TEST_ADMIN } from "../master/registry/testing";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  namespaces: findResource("", "v1", "namespaces")!,
  nodes: findResource("", "v1", "nodes")!,
  pods: findResource("", "v1", "pods")!,
  events: findResource("", "v1", "events")!,
  leases: findResource("coordination.k8s.io", "v1", "leases")!,
  rs: findResource("apps", "v1", "replicasets")!,
};

const clock = { t: Date.now(), now: () => new Date(clock.t), advance: (s: number) => (clock.t += s * 1000) };
let api: InProcessApi;
let ctx: ApiContext;
let nlc: NodeLifecycleController;
const logs: string[] = [];
const client = (r: (typeof R)[keyof typeof R]) => api.client(r);
/** The controller's shared caches, so a pass can wait until they hold the test's last writes. */
const caches = new Map<string, InformerLease>();
const written = new Map<string, { cache: string; key: string; rv: string }>();
function track(cache: string, obj: KubeObject): KubeObject {
  const key = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
  written.set(`${cache}|${key}`, { cache, key, rv: obj.metadata.resourceVersion! });
  return obj;
}

before(async () => {
  api = await startInProcessApi({
    now: () => clock.now(),
    namespacePrefix: "nl",
    components: (c) => [new ReplicaSetController(c, { resyncMs: 2000 }), (nlc = new NodeLifecycleController(c, { monitorPeriodMs: 3_600_000, log: (_level, msg) => logs.push(msg) }))],
  });
  ctx = api.ctx;
  for (const r of [R.nodes, R.leases, R.pods]) caches.set(r.plural, await acquireInformer(ctx, r));
});

after(async () => {
  for (const c of caches.values()) await c.release();
  await api?.stop();
});


const stamp = () => `${clock.now().toISOString().slice(0, 19)}Z`;
const micro = () => clock.now().toISOString().replace("Z", "000Z");
const NODES = ["n1", "n2", "n3"];

/** An agent's heartbeat through its Lease. */
async function renewLease(name: string): Promise<void> {
  track("leases", await client(R.leases).update("kube-node-lease", name, (l) => ({ ...l, spec: { ...(l.spec as object), renewTime: micro() } })));
}

/** An agent's heartbeat through its Node status. */
async function postReady(name: string, status = "True"): Promise<void> {
  track("nodes", await client(R.nodes).update(undefined, name, (n) => ({
    ...n,
    status: { ...(n.status as object), conditions: [{ type: "Ready", status, reason: "KubeletReady", message: "ready", lastHeartbeatTime: stamp(), lastTransitionTime: stamp() }] },
  }), { statusOnly: true }));
}

const readyOf = async (name: string) => ((await client(R.nodes).get(undefined, name)).status as { conditions?: NodeCondition[] }).conditions?.find((c) => c.type === "Ready");
const taintsOf = async (name: string) => ((((await client(R.nodes).get(undefined, name)).spec ?? {}) as { taints?: Taint[] }).taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

/** Runs a pass at the current fake time, on caches that have seen the test's writes, and waits for it. */
async function pass(): Promise<void> {
  await waitFor("the caches to catch up", async () =>
    [...written.values()].every((w) => {
      const cached = caches.get(w.cache)!.get(w.key);
      return cached !== undefined && BigInt(cached.metadata.resourceVersion!) >= BigInt(w.rv);
    }),
  );
  nlc.poke();
  await nlc.idle();
}

async function bind(pod: KubeObject, nodeName: string): Promise<void> {
  await ctx.registry.bind(TEST_ADMIN, pod.metadata.namespace!, pod.metadata.name!, nodeName);
  track("pods", await client(R.pods).update(pod.metadata.namespace, pod.metadata.name!, (p) => ({
    ...p,
    status: { ...(p.status as object), phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: stamp() }] },
  }), { statusOnly: true }));
}

const podReady = async (ns: string, name: string) => ((await client(R.pods).get(ns, name)).status as { conditions?: { type: string; status: string }[] }).conditions?.find((c) => c.type === "Ready")?.status;

test("a silent node turns Unknown and tainted, its pods go once their tolerations run out, and it recovers", async () => {
  for (const name of NODES) {
    track("nodes", await client(R.nodes).create({ apiVersion: "v1", kind: "Node", metadata: { name }, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ready", lastHeartbeatTime: stamp(), lastTransitionTime: stamp() }] } }));
    track("leases", await client(R.leases).create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } }));
  }
  const ns = "default";
  // A ReplicaSet pod that tolerates an unreachable node for 10 s, and a bare pod with the
  // apiserver's default 300 s.
  await client(R.rs).create({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }], containers: [{ name: "w", image: "nginx" }] } },
    },
  });
  const webPod = await waitFor("the ReplicaSet's pod", async () => (await client(R.pods).list(ns)).find((p) => p.metadata.labels?.app === "web"));
  await bind(webPod, "n1");
  const plain = await client(R.pods).create({ apiVersion: "v1", kind: "Pod", metadata: { name: "plain", namespace: ns }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  await bind(plain, "n1");
  await pass();
  assert.deepEqual(await taintsOf("n1"), []);

  // 41 s later: n2 and n3 renewed their leases, n1 said nothing.
  clock.advance(41);
  await renewLease("n2");
  await postReady("n3");
  await pass();
  const ready = await readyOf("n1");
  assert.equal(ready?.status, "Unknown");
  assert.equal(ready?.reason, "NodeStatusUnknown");
  assert.equal(ready?.message, "Kubelet stopped posting node status.");
  assert.deepEqual(await taintsOf("n1"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  assert.equal((await readyOf("n2"))?.status, "True");
  assert.deepEqual(await taintsOf("n2"), []);
  assert.equal(await podReady(ns, "plain"), "False", "pods on an unreachable node are not ready");
  await waitFor("NodeNotReady", async () => (await client(R.events).list("default")).some((e) => e.reason === "NodeNotReady" && (e.involvedObject as { name?: string }).name === "n1"));

  // 10 s more: the 10 s toleration ran out, the 300 s one did not.
  clock.advance(10);
  await renewLease("n2");
  await renewLease("n3");
  await pass();
  const evicted = await client(R.pods).get(ns, webPod.metadata.name!);
  assert.ok(evicted.metadata.deletionTimestamp, "evicted (graceful: the pod is bound)");
  assert.equal((await client(R.pods).get(ns, "plain")).metadata.deletionTimestamp, undefined);
  await waitFor("TaintManagerEviction", async () => (await client(R.events).list(ns)).some((e) => e.reason === "TaintManagerEviction" && e.message === `Marking for deletion Pod ${ns}/${webPod.metadata.name}`));
  const replacement = await waitFor("a replacement from the ReplicaSet", async () =>
    (await client(R.pods).list(ns)).find((p) => p.metadata.labels?.app === "web" && !p.metadata.deletionTimestamp),
  );
  assert.equal((replacement.spec as { nodeName?: string }).nodeName, undefined, "placed anew by the scheduler");

  // n1's agent comes back: the taints go.
  clock.advance(5);
  await postReady("n1");
  await pass();
  assert.deepEqual(await taintsOf("n1"), []);
  assert.equal((await readyOf("n1"))?.status, "True");
});

// Continues on the nodes and pods of the test above.
test("when every node goes silent at once, nothing is evicted", async () => {
  const ns = "default";
  const pod = await client(R.pods).create({ apiVersion: "v1", kind: "Pod", metadata: { name: "survivor", namespace: ns }, spec: { containers: [{ name: "c", image: "busybox" }] } });
  await bind(pod, "n2");
  for (const n of NODES) await postReady(n);
  await pass();
  clock.advance(41);
  await pass();
  for (const n of NODES) {
    assert.equal((await readyOf(n))?.status, "Unknown", n);
    assert.deepEqual(await taintsOf(n), ["node.kubernetes.io/unreachable:NoSchedule"], `${n}: no NoExecute taint`);
  }
  clock.advance(400);
  await pass();
  assert.equal((await client(R.pods).get(ns, "survivor")).metadata.deletionTimestamp, undefined);
  assert.equal((await client(R.pods).get(ns, "plain")).metadata.deletionTimestamp, undefined);
  assert.ok(logs.some((l) => l.includes("master disruption mode")), logs.join("\n"));

  // One node reports again: the others are lost for real now and get NoExecute taints.
  await postReady("n3");
  await pass();
  assert.deepEqual(await taintsOf("n2"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
});
