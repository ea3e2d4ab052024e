// End to end: a real `gantry master` process (which runs the scheduler as a leader component) and
// the real kubectl. Nodes are plain Node objects created through the API (agents are not needed to
// schedule); they carry capacity and a Ready condition as an agent would report them.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Kubectl } from "../../test/helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "../../test/helpers/kubectl-session";

let session: KubectlSession;
let kubectl: Kubectl;

before(async () => {
  session = await startKubectlSession();
  ({ kubectl } = session);
});

after(() => session?.stop());

const node = (name: string, cpu: string, unschedulable = false) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
  spec: unschedulable ? { unschedulable: true } : {},
  status: {
    capacity: { cpu, memory: "4Gi", pods: "110" },
    conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "created by the scheduler e2e test" }],
  },
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("kubectl run is scheduled onto a node; an unplaceable pod explains itself in kubectl describe", async () => {
  const nodes = [node("node-a", "2"), node("node-b", "2"), node("node-c", "32", true)];
  await kubectl.ok(["create", "-f", "-"], { stdin: nodes.map((n) => JSON.stringify(n)).join("\n") });

  await kubectl.ok(["run", "web-1", "--image=busybox", "--restart=Never"]);
  const assigned = await until("web-1 to be bound", async () => (await kubectl.ok(["get", "pod", "web-1", "-o", "jsonpath={.spec.nodeName}"])) || undefined);
  assert.match(assigned, /^node-[ab]$/);
  const wide = await kubectl.ok(["get", "pods", "-o", "wide"]);
  const [header, row] = wide.trim().split("\n");
  const cols = header.split(/\s{2,}/);
  const cells = row.split(/\s{2,}/);
  assert.equal(cells[cols.indexOf("NAME")], "web-1");
  assert.equal(cells[cols.indexOf("NODE")], assigned, wide);

  const overrides = { spec: { containers: [{ name: "big", image: "busybox", resources: { requests: { cpu: "8" } } }] } };
  await kubectl.ok(["run", "big", "--image=busybox", "--restart=Never", `--overrides=${JSON.stringify(overrides)}`]);
  const expected =
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.";
  const described = await until("the FailedScheduling event in describe", async () => {
    const out = await kubectl.ok(["describe", "pod", "big"]);
    return out.includes(expected) ? out : undefined;
  });
  assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: /);
  assert.match(described, /PodScheduled\s+False/);
  assert.equal(await kubectl.ok(["get", "pod", "big", "-o", "jsonpath={.spec.nodeName}"]), "");
  const scheduledEvent = await kubectl.ok(["describe", "pod", "web-1"]);
  assert.match(scheduledEvent, new RegExp(`Normal\\s+Scheduled\\s+.*default-scheduler\\s+Successfully assigned default/web-1 to ${assigned}`));
});

test("a burst of 30 pods: kubectl get events shows 9 Scheduled events of their own and one aggregate counting 21; describe shows a pod's own", async () => {
  await kubectl.ok(["create", "namespace", "burst"]);
  const pods = Array.from({ length: 30 }, (_, i) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `burst-${i}`, namespace: "burst" },
    spec: { containers: [{ name: "c", image: "busybox" }] },
  }));
  await kubectl.ok(["create", "-f", "-"], { stdin: pods.map((p) => JSON.stringify(p)).join("\n") });
  const rows = await until("10 Scheduled events, one counting 21", async () => {
    const out = await kubectl.ok(["get", "events", "-n", "burst", "--field-selector", "reason=Scheduled", "-o", "jsonpath={range .items[*]}{.count}|{.involvedObject.name}|{.message}{\"\\n\"}{end}"]);
    const lines = out.trim().split("\n").filter(Boolean).map((l) => l.split("|"));
    return lines.length === 10 && lines.some(([count]) => count === "21") ? lines : undefined;
  });
  const aggregate = rows.filter(([, , message]) => message.startsWith("(combined from similar events): Successfully assigned burst/burst-"));
  assert.equal(aggregate.length, 1, rows.join("\n"));
  const own = rows.filter((r) => r !== aggregate[0]);
  for (const [count, pod, message] of own) {
    assert.equal(count, "1");
    assert.match(message, new RegExp(`^Successfully assigned burst/${pod} to node-[ab]$`));
  }
  // -o wide: ... OBJECT, SUBOBJECT (empty), SOURCE (component, instance), MESSAGE, FIRST SEEN, COUNT, NAME.
  const table = await kubectl.ok(["get", "events", "-n", "burst", "-o", "wide"]);
  assert.match(table, /Normal\s+Scheduled\s+pod\/burst-\d+\s+default-scheduler, default-scheduler\s+\(combined from similar events\): Successfully assigned burst\/burst-\d+ to node-[ab]\s+\S+\s+21\s+burst-\d+\.[0-9a-f]{16}$/m, table);
  const described = await kubectl.ok(["describe", "pod", "-n", "burst", own[0][1]]);
  assert.match(described, new RegExp(`Normal\\s+Scheduled\\s+.*default-scheduler\\s+Successfully assigned burst/${own[0][1]} to node-[ab]`));
});
