// A DaemonSet end to end: the real `gantry master` binary and the real kubectl (v1.32), on two
// Node objects created through the API (no agents run; the nodes report capacity and Ready as
// an agent registering would). The DaemonSet controller pins one pod per node with node
// affinity; the master's scheduler then binds each pod to its node.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

let session: KubectlSession;
let kubectl: Kubectl;

before(async () => {
  session = await startKubectlSession();
  ({ kubectl } = session);
});

after(() => session?.stop());


function nodeManifest(name: string): object {
  const now = `${new Date().toISOString().slice(0, 19)}Z`;
  const resources = { cpu: "4", memory: "8Gi", pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "agent is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
}

interface PodJson {
  metadata: { name: string; labels: Record<string, string> };
  spec: { nodeName?: string; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchFields?: { key: string; operator: string; values: string[] }[] }[] } } } };
}

test("a DaemonSet on two API-created nodes gets two pods, one pinned to each node", async () => {
  for (const name of ["worker-a", "worker-b"]) await kubectl.ok(["apply", "-f", "-"], { stdin: JSON.stringify(nodeManifest(name)) });
  assert.match(await kubectl.ok(["get", "nodes"]), /worker-a\s+Ready/);
  await kubectl.ok(["apply", "-f", "-"], {
    stdin: JSON.stringify({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "node-agent", namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { app: "node-agent" } },
        template: { metadata: { labels: { app: "node-agent" } }, spec: { containers: [{ name: "agent", image: "busybox", command: ["sleep", "3600"] }] } },
      },
    }),
  });

  const pods = await waitFor("two daemon pods", async () => {
    const items = (JSON.parse(await kubectl.ok(["get", "pods", "-n", "kube-system", "-l", "app=node-agent", "-o", "json"])) as { items: PodJson[] }).items;
    return items.length === 2 && items;
  });
  const pinned = pods.map((p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields?.[0]);
  assert.deepEqual(pinned.map((f) => `${f?.key} ${f?.operator} ${f?.values.join()}`).sort(), ["metadata.name In worker-a", "metadata.name In worker-b"]);
  for (const p of pods) assert.ok(p.metadata.labels["controller-revision-hash"], "labelled with the template's revision");

  // The scheduler honours the pin.
  const bound = await waitFor("both pods bound", async () => {
    const items = (JSON.parse(await kubectl.ok(["get", "pods", "-n", "kube-system", "-l", "app=node-agent", "-o", "json"])) as { items: PodJson[] }).items;
    return items.every((p) => p.spec.nodeName) && items;
  });
  for (const p of bound) {
    assert.equal(p.spec.nodeName, p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields?.[0].values[0]);
  }
  // NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE
  await waitFor("kubectl get ds: 2 desired, 2 current", async () => /^node-agent\s+2\s+2\s+0\s+2\s+0\s+<none>/.test(await kubectl.ok(["get", "ds", "-n", "kube-system", "node-agent", "--no-headers"])));
  assert.match(await kubectl.ok(["describe", "ds", "-n", "kube-system", "node-agent"]), /SuccessfulCreate\s+.*Created pod: node-agent-/);
});
