// A node without a pod CIDR, with real agents (helpers/cluster.ts): the master's cluster CIDR has
// room for one node only (--cluster-cidr 10.244.0.0/24, /24 per node). The node left without a
// range gets a CIDRNotAvailable event; a pod bound to it waits in ContainerCreating with the
// kubelet's NetworkNotReady event instead of starting without a network; once the other Node is
// deleted the range moves over and the pod starts at once (not when its sandbox back-off ends).
// Everything is removed in after(), also when a test fails.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ipv4Cidr } from "../api/ipv4-cidr";
import { startCluster, type GantryCluster } from "./helpers/cluster";
import { sleep, waitFor } from "./helpers/wait";

let c: GantryCluster;

before(async () => {
  c = await startCluster({ agents: ["node-a", "node-b"], initArgs: ["--cluster-cidr", "10.244.0.0/24", "--node-cidr-mask-size", "24"] });
});

after(async () => {
  const problems = (await c?.stop()) ?? [];
  if (problems.length > 0) console.error(`cluster cleanup: ${problems.join("; ")}`);
});

const cidrOf = async (node: string) => c.kubectlOk(["get", "node", node, "-o", "jsonpath={.spec.podCIDR}"]);

test("a pod on a node without a pod CIDR waits with NetworkNotReady, and starts as soon as the node gets one", { timeout: 300_000 }, async () => {
  const holder = await waitFor("one node holding the only range", async () => {
    for (const n of ["node-a", "node-b"]) if ((await cidrOf(n)) === "10.244.0.0/24") return n;
    return undefined;
  });
  const waiting = holder === "node-a" ? "node-b" : "node-a";
  assert.equal(await cidrOf(waiting), "");
  await waitFor("a CIDRNotAvailable event for the node left without a range", async () =>
    (await c.kubectlOk(["get", "events", "-A", "--field-selector", `involvedObject.kind=Node,involvedObject.name=${waiting},reason=CIDRNotAvailable`, "-o", "name"])).trim() || undefined,
  );

  const image = `${c.registry}/gantry/busybox:1`;
  await c.kubectlOk(["run", "early", "--image", image, "--restart=Never", "--overrides", JSON.stringify({ spec: { nodeName: waiting, terminationGracePeriodSeconds: 1 } }), "--", "sleep", "3600"]);
  // Waited for twice (the second try comes after a 10 s back-off; the third would be 20 s later).
  const event = await waitFor("the NetworkNotReady event, a second time", async () => {
    const out = await c.kubectlOk(["get", "events", "--field-selector", "involvedObject.name=early,reason=NetworkNotReady", "-o", "jsonpath={.items[0].count} {.items[0].type} {.items[0].message}"]);
    return /^[2-9]/.test(out) ? out : undefined;
  }, 60_000, 500);
  assert.match(event, /^\d+ Warning network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:the node has no pod CIDR yet/);
  await sleep(1000);
  const pending = JSON.parse(await c.kubectlOk(["get", "pod", "early", "-o", "json"])) as { status: { phase: string; podIP?: string; containerStatuses?: { state: { waiting?: { reason: string } } }[] } };
  assert.equal(pending.status.phase, "Pending");
  assert.equal(pending.status.podIP, undefined);
  assert.equal(pending.status.containerStatuses?.[0].state.waiting?.reason, "ContainerCreating");

  // The range frees up: the waiting node gets it and its pod starts at once, without waiting out
  // the 20 s of sandbox back-off left.
  await c.kubectlOk(["delete", "node", holder]);
  const deletedAt = Date.now();
  await waitFor("the range handed to the waiting node", async () => (await cidrOf(waiting)) === "10.244.0.0/24", 30_000, 200);
  const ip = await waitFor("the pod running with an address", async () => {
    const p = JSON.parse(await c.kubectlOk(["get", "pod", "early", "-o", "json"])) as { status: { phase: string; podIP?: string } };
    return p.status.phase === "Running" && p.status.podIP ? p.status.podIP : undefined;
  }, 60_000, 200);
  const tookMs = Date.now() - deletedAt;
  assert.ok(Ipv4Cidr.parse("10.244.0.0/24")!.contains(ip), ip);
  assert.ok(tookMs < 10_000, `running ${tookMs} ms after the range was freed`);
});
