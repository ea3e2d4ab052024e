// The service feed, end to end: a real `gantry master`, pods and Services made through the API
// (pod status written by the test, as an agent would), and two scripted agents speaking the real
// gRPC Session on 127.0.0.1. Checks what every agent's proxy and DNS server will be fed:
// ServiceUpdate{full} on connect (after NodeConfig, before DesiredPods), deltas after changes,
// coalesced, on every session; and how long an endpoint turning unready takes to reach them.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ServiceUpdate, ServiceView } from "../proto/gen/agent";
import { apiJson, createPod, putNode, setPodStatus } from "./helpers/api-objects";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { scriptedAgentCredentials } from "./helpers/scripted-agent-tls";
import { SessionAgent, type Received } from "./helpers/session-agent";
import { waitFor } from "./helpers/wait";

const NS = "feed";
let s: KubectlSession;
const agentA = new SessionAgent("agent-a");
const agentB = new SessionAgent("agent-b");

const serviceUpdates = (agent: SessionAgent, from = 0): (ServiceUpdate & { at: number })[] =>
  agent.received.slice(from).flatMap((r) => (r.msg.$case === "services" ? [{ ...r.msg.services, at: r.at }] : []));

/** The agent's catalog after applying every update it received, as the agent's ServiceCatalog does. */
function catalog(agent: SessionAgent): Map<string, ServiceView> {
  const views = new Map<string, ServiceView>();
  for (const u of serviceUpdates(agent)) {
    if (u.full) views.clear();
    for (const key of u.remove) views.delete(key);
    for (const v of u.upsert) views.set(`${v.namespace}/${v.name}`, v);
  }
  return views;
}

const readiness = (v: ServiceView | undefined) =>
  Object.fromEntries((v?.endpoints ?? []).map((e) => [e.podName, e.ready]));

before(async () => {
  s = await startKubectlSession({ args: ["--node-monitor-grace-period", "300"] });
  agentA.credentials = await scriptedAgentCredentials(s.master.dataDir, "agent-a");
  agentB.credentials = await scriptedAgentCredentials(s.master.dataDir, "agent-b");
  await agentA.start();
  await agentB.start();
  await s.kubectl.ok(["create", "namespace", NS]);
  // The pods' node: registered, Ready, but its agent port is closed (no session).
  await putNode(s.api, "node-a", { ip: "127.0.0.21", zone: "zone-1" });
  await apiJson(s.api, "POST", `/api/v1/namespaces/${NS}/services`, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  });
  await createPod(s.api, NS, "web-1", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.11" });
  await createPod(s.api, NS, "web-2", { labels: { app: "web" }, node: "node-a", ip: "10.244.1.12", ready: false });
  // Both pods in the Service's slice before any agent connects.
  await waitFor("the slice", async () => {
    const list = await apiJson<{ items: { endpoints: unknown[] | null }[] }>(s.api, "GET", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`);
    return list.items.some((x) => x.endpoints?.length === 2);
  });
});

after(async () => {
  agentA.kill();
  agentB.kill();
  await s?.stop();
});

describe("service feed: every Service with its endpoints, to every agent", () => {
  test("on connect: ServiceUpdate{full} after NodeConfig and before DesiredPods{full}, with the right views", async () => {
    await putNode(s.api, "agent-a", { ip: "127.0.0.1", agentPort: agentA.port });
    await putNode(s.api, "agent-b", { ip: "127.0.0.1", agentPort: agentB.port });
    for (const agent of [agentA, agentB]) {
      await waitFor(`${agent.nodeName}'s first DesiredPods`, () => agent.received.some((r) => r.msg.$case === "desiredPods"));
      const order = agent.received.map((r) => r.msg.$case);
      const first = (c: string) => order.indexOf(c as Received["msg"]["$case"]);
      assert.equal(first("open"), 0);
      assert.ok(first("nodeConfig") < first("services") && first("services") < first("desiredPods"), order.join(","));
      const [full] = serviceUpdates(agent);
      assert.equal(full.full, true);
      assert.equal(full.generation, 1);
      const keys = full.upsert.map((v) => `${v.namespace}/${v.name}`);
      assert.ok(keys.includes("default/kubernetes"), keys.join(","));
      const web = full.upsert.find((v) => v.name === "web" && v.namespace === NS)!;
      assert.equal(web.type, "ClusterIP");
      assert.equal(web.clusterIps.length, 1);
      assert.deepEqual(web.ports, [{ name: "http", protocol: "TCP", port: 80, nodePort: 0 }]);
      assert.deepEqual(
        web.endpoints.map((e) => ({ ...e })),
        [
          { addresses: ["10.244.1.11"], ready: true, serving: true, terminating: false, nodeName: "node-a", hostname: "", podName: "web-1", ports: [{ name: "http", protocol: "TCP", port: 8080 }], zone: "zone-1" },
          { addresses: ["10.244.1.12"], ready: false, serving: false, terminating: false, nodeName: "node-a", hostname: "", podName: "web-2", ports: [{ name: "http", protocol: "TCP", port: 8080 }], zone: "zone-1" },
        ],
      );
    }
  });

  test("endpoint and Service changes reach every agent as deltas", async () => {
    const fromA = agentA.received.length;
    await setPodStatus(s.api, NS, "web-2", { ready: true });
    for (const agent of [agentA, agentB]) {
      await waitFor(`${agent.nodeName}: web-2 ready`, () => readiness(catalog(agent).get(`${NS}/web`))["web-2"] === true);
    }
    const deltas = serviceUpdates(agentA, fromA);
    assert.ok(deltas.length >= 1 && deltas.every((u) => !u.full), "deltas, not full sets");
    assert.ok(deltas.every((u, i) => i === 0 || u.generation > deltas[i - 1].generation));

    // A new Service appears, changes type (LoadBalancer: ingress from the node addresses), goes.
    await apiJson(s.api, "POST", `/api/v1/namespaces/${NS}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "db" },
      spec: { selector: { app: "db" }, type: "LoadBalancer", ports: [{ port: 5432 }] },
    });
    const db = await waitFor("db with load-balancer IPs", () => {
      const v = catalog(agentB).get(`${NS}/db`);
      return v && v.loadBalancerIps.length > 0 ? v : undefined;
    });
    assert.equal(db.type, "LoadBalancer");
    assert.ok(db.ports[0].nodePort >= 30000);
    assert.ok(db.loadBalancerIps.includes("127.0.0.21"));
    assert.deepEqual(db.endpoints, []);
    await s.kubectl.ok(["delete", "svc", "-n", NS, "db"]);
    await waitFor("db removed", () => !catalog(agentA).has(`${NS}/db`) && !catalog(agentB).has(`${NS}/db`));
    assert.ok(serviceUpdates(agentA, fromA).some((u) => u.remove.includes(`${NS}/db`)));
  });

  test("an endpoint turning unready leaves the feed quickly (pod status write → controller → slice → delta)", async () => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ready = i % 2 === 1;
      await setPodStatus(s.api, NS, "web-1", { ready: !ready });
      await waitFor("the previous flip", () => readiness(catalog(agentA).get(`${NS}/web`))["web-1"] === !ready);
      const path = `/api/v1/namespaces/${NS}/pods/web-1`;
      const pod = await apiJson<{ status: { conditions: { type: string; status: string }[] } }>(s.api, "GET", path);
      for (const c of pod.status.conditions) if (c.type === "Ready" || c.type === "ContainersReady") c.status = ready ? "True" : "False";
      const seen = new Promise<number>((resolve) => {
        const stop = agentA.onMessage((r) => {
          if (r.msg.$case !== "services") return;
          const web = r.msg.services.upsert.find((v) => v.name === "web" && v.namespace === NS);
          if (web && readiness(web)["web-1"] === ready) {
            stop();
            resolve(r.at);
          }
        });
      });
      const written = Date.now();
      await apiJson(s.api, "PUT", `${path}/status`, pod);
      samples.push((await seen) - written);
    }
    samples.sort((a, b) => a - b);
    console.log(`# pod Ready change → ServiceUpdate delta at the agent: median ${samples[2]} ms, max ${samples[4]} ms (samples ${samples.join(", ")} ms)`);
    assert.ok(samples[4] < 1000, `max ${samples[4]} ms`);
  });

  test("many endpoint changes at once reach the agents as a few coalesced deltas", async () => {
    const n = 30;
    await Promise.all(Array.from({ length: n }, (_, i) => createPod(s.api, NS, `burst-${i}`, { labels: { app: "web" }, node: "node-a", ip: `10.244.2.${i + 1}` })));
    const from = agentA.received.length;
    const changedAt = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => setPodStatus(s.api, NS, `burst-${i}`, { ready: false })));
    await waitFor("all burst pods unready at agent-a", () => {
      const r = readiness(catalog(agentA).get(`${NS}/web`));
      return Array.from({ length: n }, (_, i) => r[`burst-${i}`]).every((x) => x === false);
    });
    const deltas = serviceUpdates(agentA, from).filter((u) => u.upsert.some((v) => v.name === "web"));
    console.log(`# ${n} pod status changes → ${deltas.length} ServiceUpdate deltas at the agent within ${Date.now() - changedAt} ms`);
    assert.ok(deltas.length < n / 2, `${deltas.length} deltas for ${n} changes`);
    // Both agents agree on the result.
    assert.deepEqual(readiness(catalog(agentB).get(`${NS}/web`)), readiness(catalog(agentA).get(`${NS}/web`)));
  });

  test("an agent that reconnects gets a new full set", async () => {
    const port = agentA.port;
    agentA.kill();
    const from = agentA.received.length;
    await agentA.start(port);
    const full = await waitFor("a full set after the reconnect", () => serviceUpdates(agentA, from).find((u) => u.full), 30_000);
    assert.equal(full.generation, 1);
    assert.ok(full.upsert.some((v) => v.name === "web" && v.endpoints.length === 32));
  });
});
