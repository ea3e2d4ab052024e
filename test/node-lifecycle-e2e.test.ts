// Node lifecycle end to end: the real `gantry master` binary and the real kubectl (v1.32). Two
// Node objects are created through the API; the test plays their agents: one keeps renewing its
// Lease in kube-node-lease, the other falls silent. The master uses its default grace period
// (40 s; the --node-monitor-grace-period flag is the lead's to wire), so this file waits about
// 45 s for the silent node; the pods' own tolerationSeconds keep the eviction part short.
// No agent runs, so an evicted pod (bound to a node) stays Terminating, as on Kubernetes when a
// node is unreachable; its ReplicaSet replaces it on the healthy node.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

let session: KubectlSession;
let kubectl: Kubectl;
let heartbeat: NodeJS.Timeout | undefined;

before(async () => {
  session = await startKubectlSession();
  ({ kubectl } = session);
});

after(async () => {
  clearInterval(heartbeat);
  await session?.stop();
});


const rfc3339 = () => `${new Date().toISOString().slice(0, 19)}Z`;
const micro = () => new Date().toISOString().replace("Z", "000Z");
const apply = (obj: object) => kubectl.ok(["apply", "-f", "-"], { stdin: JSON.stringify(obj) });
const readyCondition = () => ({ type: "Ready", status: "True", reason: "KubeletReady", message: "agent is posting ready status", lastHeartbeatTime: rfc3339(), lastTransitionTime: rfc3339() });

async function addNode(name: string): Promise<void> {
  const resources = { cpu: "4", memory: "8Gi", pods: "110" };
  await apply({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, status: { capacity: resources, allocatable: resources, conditions: [readyCondition()] } });
  await apply({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } });
}

const renew = (name: string) => kubectl.ok(["patch", "lease", name, "-n", "kube-node-lease", "--type=merge", "-p", JSON.stringify({ spec: { renewTime: micro() } })]);

interface Obj {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string; taints?: { key: string; effect: string }[] };
  status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}
const get = async (args: string[]) => JSON.parse(await kubectl.ok([...args, "-o", "json"])) as Obj;
const taints = async (node: string) => ((await get(["get", "node", node])).spec.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

test("a silent node goes NotReady with the unreachable taints, its pods are evicted after their toleration, and it recovers", async () => {
  // The ReplicaSet's pod lands on the only node there is, quiet-1; then live-1 joins.
  await addNode("quiet-1");
  await apply({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 }], containers: [{ name: "web", image: "nginx" }] },
      },
    },
  });
  const first = await waitFor("the web pod on quiet-1", async () => {
    const items = (JSON.parse(await kubectl.ok(["get", "pods", "-l", "app=web", "-o", "json"])) as { items: Obj[] }).items;
    return items.find((p) => p.spec.nodeName === "quiet-1");
  });
  await apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "patient", namespace: "default" }, spec: { nodeName: "quiet-1", containers: [{ name: "c", image: "busybox" }] } });
  // What quiet-1's agent reported while it was alive: the pod runs and is ready.
  await kubectl.ok(["patch", "pod", "patient", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: rfc3339() }] } })]);
  await addNode("live-1");
  heartbeat = setInterval(() => void renew("live-1").catch(() => {}), 5000);

  const lost = await waitFor("quiet-1 NotReady", async () => /quiet-1\s+NotReady/.test(await kubectl.ok(["get", "nodes"])), 70_000);
  assert.ok(lost);
  const ready = (await get(["get", "node", "quiet-1"])).status.conditions?.find((c) => c.type === "Ready");
  assert.deepEqual([ready?.status, ready?.reason, ready?.message], ["Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."]);
  assert.deepEqual(await taints("quiet-1"), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  assert.match(await kubectl.ok(["get", "nodes"]), /live-1\s+Ready/);
  assert.deepEqual(await taints("live-1"), []);

  // Two seconds of toleration, then eviction; the ReplicaSet replaces the pod on live-1.
  await waitFor("the web pod evicted", async () => (await get(["get", "pod", first.metadata.name])).metadata.deletionTimestamp, 15_000);
  assert.match(await kubectl.ok(["get", "events", "--field-selector", `involvedObject.name=${first.metadata.name}`]), /TaintManagerEviction\s+.*Marking for deletion Pod default\/web-/);
  const replacement = await waitFor("a replacement on live-1", async () => {
    const items = (JSON.parse(await kubectl.ok(["get", "pods", "-l", "app=web", "-o", "json"])) as { items: Obj[] }).items;
    return items.find((p) => !p.metadata.deletionTimestamp && p.spec.nodeName === "live-1");
  });
  assert.ok(replacement);
  assert.equal((await get(["get", "pod", "patient"])).metadata.deletionTimestamp, undefined, "300 s of default toleration");
  assert.equal((await get(["get", "pod", "patient"])).status.conditions?.find((c) => c.type === "Ready")?.status, "False");
  assert.match(await kubectl.ok(["get", "events", "--field-selector", "involvedObject.name=quiet-1"]), /NodeNotReady\s+.*Node quiet-1 status is now: NodeNotReady/);

  // quiet-1's agent is back: it posts Ready with a fresh heartbeat, and the taints go.
  await kubectl.ok(["patch", "node", "quiet-1", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { conditions: [readyCondition()] } })]);
  await waitFor("quiet-1 untainted", async () => (await taints("quiet-1")).length === 0, 15_000);
  assert.match(await kubectl.ok(["get", "nodes"]), /quiet-1\s+Ready/);
});
