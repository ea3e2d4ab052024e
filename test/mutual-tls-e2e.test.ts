// Mutual TLS on the multi-host topology (`gantry init` on the master host, `gantry join` on two
// agent hosts, kubectl and the probes on a client host):
//   - master → agent gRPC: a client with no certificate fails the handshake, one with a node's
//     certificate is refused on every RPC before it runs, the master's own certificate works;
//   - the master checks which node it reached: with two Nodes' addresses swapped, it refuses
//     each agent (its certificate names the other node), for the session and for kubectl exec;
//   - etcd: no certificate, or one from the cluster CA instead of the etcd CA, is refused.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startCluster, AGENT_PORT, type GantryCluster } from "./helpers/cluster";
import { waitFor } from "./helpers/wait";

const PROBE = path.resolve(__dirname, "helpers/agent-probe.js");
const RPCS = ["getNodeStatus", "listPodStatus", "setDesiredPods", "session", "logs", "pullImage", "exec", "portForward"];
let c: GantryCluster;

interface Outcome {
  rpc: string;
  code: number;
  details: string;
}

before(async () => {
  c = await startCluster({ agents: ["node-a", "node-b"] });
});

after(async () => {
  const problems = await c?.stop();
  if (problems && problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

const pki = (...parts: string[]) => path.join(c.masterDataDir, "pki", ...parts);

/** Runs the agent probe from the client host against `node`'s agent with the given certificate files. */
async function probe(node: string, cert?: { crt: string; key: string }, only?: string): Promise<Outcome[]> {
  const target = `${c.agent(node).host.address}:${AGENT_PORT}`;
  const args = [PROBE, target, pki("ca.crt"), ...(cert ? [cert.crt, cert.key] : []), ...(only ? ["--only", only] : [])];
  const r = await c.client.exec(process.execPath, args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Outcome);
}

const podOnA = async () => (await c.kubectlOk(["get", "pod", "on-a", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].containerID}"])).trim();

describe("mutual TLS between masters, agents and etcd", () => {
  test("nodes joined over mutual TLS run pods; exec and logs reach the agent through the master's TLS channel", async () => {
    await c.kubectlOk(["run", "on-a", `--image=${c.registry}/gantry/busybox:1`, "--overrides", JSON.stringify({ spec: { nodeName: "node-a", terminationGracePeriodSeconds: 1 } }), "--command", "--", "sh", "-c", "echo hello-from-a; sleep 3600"]);
    await waitFor("pod on-a Running", async () => (await podOnA()).startsWith("Running 0 "), 120_000, 500);
    assert.equal((await c.kubectlOk(["exec", "on-a", "--", "echo", "exec-ok"])).trim(), "exec-ok");
    assert.match(await c.kubectlOk(["logs", "on-a"]), /hello-from-a/);
  });

  test("a gRPC client without a certificate, or with a node's certificate, cannot call any agent RPC", async () => {
    const before = await podOnA();
    const noCert = await probe("node-a");
    assert.deepEqual(noCert.map((o) => o.rpc), RPCS);
    for (const o of noCert) assert.equal(o.code, 14, `${o.rpc} without a certificate: ${o.code} ${o.details}`); // UNAVAILABLE: no handshake

    const nodeB = path.join(c.agent("node-b").dataDir, "pki");
    const asNode = await probe("node-a", { crt: path.join(nodeB, "node-client.crt"), key: path.join(nodeB, "node-client.key") });
    assert.deepEqual(asNode.map((o) => o.rpc), RPCS);
    for (const o of asNode) {
      assert.equal(o.code, 7, `${o.rpc} with node-b's certificate: ${o.code} ${o.details}`); // PERMISSION_DENIED
      assert.equal(o.details, '"system:node:node-b" (groups system:nodes) may not call the agent: only masters (system:masters) may');
    }
    // Its own serving certificate is no client certificate either (serverAuth only): no handshake.
    const serving = await probe("node-a", { crt: path.join(nodeB, "node-serving.crt"), key: path.join(nodeB, "node-serving.key") }, "getNodeStatus");
    assert.equal(serving[0].code, 14, serving[0].details);

    // The master's certificate works, and the pod on node-a was not touched by any of it.
    const asMaster = await probe("node-a", { crt: pki("master-agent-client.crt"), key: pki("master-agent-client.key") }, "getNodeStatus");
    assert.deepEqual(asMaster.map((o) => [o.rpc, o.code]), [["getNodeStatus", 0]]);
    assert.equal(await podOnA(), before);
  });

  test("the master refuses an agent whose serving certificate names another node (two Nodes' addresses swapped)", async () => {
    const a = c.agent("node-a").host.address;
    const b = c.agent("node-b").host.address;
    const setAddress = (node: string, ip: string) =>
      c.kubectlOk(["patch", "node", node, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: node }] } })]);
    const logStart = c.masterOutput().length;
    await setAddress("node-a", b);
    await setAddress("node-b", a);
    try {
      await waitFor("the master to refuse both agents", () => {
        const log = c.masterOutput().slice(logStart);
        return log.includes(`the agent at ${b} presented a certificate for \\"system:node:node-b\\", not system:node:node-a`) && log.includes(`the agent at ${a} presented a certificate for \\"system:node:node-a\\", not system:node:node-b`);
      }, 60_000, 500);
      // The API's streaming path checks the same: exec into node-a's pod goes to node-b's address and stops there.
      const exec = await c.kubectl(["exec", "on-a", "--", "echo", "should-not-run"]);
      assert.notEqual(exec.code, 0);
      assert.match(exec.stderr, new RegExp(`the agent of node "node-a" at ${b.replace(/\./g, "\\.")}:${AGENT_PORT} is unreachable: .*presented a certificate for "system:node:node-b", not system:node:node-a`));
      assert.doesNotMatch(c.masterOutput().slice(logStart), /"msg":"agent session established"/, "no session to the wrong agent");
    } finally {
      await setAddress("node-a", a);
      await setAddress("node-b", b);
    }
    await waitFor("exec into node-a's pod again", async () => (await c.kubectl(["exec", "on-a", "--", "echo", "back"])).stdout.trim() === "back", 60_000, 1000);
    await waitFor("both sessions back", () => (c.masterOutput().slice(logStart).match(/"msg":"agent session established"/g) ?? []).length >= 2, 60_000, 500);
  });

  test("etcd refuses clients without a certificate from the etcd CA", async () => {
    const endpoint = `https://${c.masterHost.address}:2379`;
    const etcdctl = (...args: string[]) => c.client.exec("etcdctl", ["--endpoints", endpoint, "--command-timeout", "5s", "--dial-timeout", "5s", ...args, "get", "/registry/namespaces/default", "--keys-only"], { env: { ...process.env, ETCDCTL_API: "3" }, timeoutMs: 30_000 });
    const noCert = await etcdctl("--cacert", pki("etcd", "ca.crt"));
    assert.notEqual(noCert.code, 0, "no client certificate");
    const clusterCa = await etcdctl("--cacert", pki("etcd", "ca.crt"), "--cert", pki("admin.crt"), "--key", pki("admin.key"));
    assert.notEqual(clusterCa.code, 0, "the admin's certificate is the cluster CA's, no credential on etcd");
    const plain = await c.client.exec("etcdctl", ["--endpoints", `http://${c.masterHost.address}:2379`, "--command-timeout", "5s", "--dial-timeout", "5s", "get", "/registry/namespaces/default"], { env: { ...process.env, ETCDCTL_API: "3" }, timeoutMs: 30_000 });
    assert.notEqual(plain.code, 0, "no plain HTTP");
    const api = await etcdctl("--cacert", pki("etcd", "ca.crt"), "--cert", pki("apiserver-etcd-client.crt"), "--key", pki("apiserver-etcd-client.key"));
    assert.equal(api.code, 0, api.stderr);
    assert.equal(api.stdout.trim(), "/registry/namespaces/default");
  });
});
