// The agent wires its service proxy to the master session: NodeConfig ranges and ServiceUpdates
// become rules in the node network. A real agent process (agent-main) with a master stand-in;
// its node network is a namespace this test makes (AgentOptions.nodeNetns), so the machine's
// own nftables stay untouched.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { agentDirs, FakeMaster, forceCleanup, startAgent, waitFor } from "../agent/testing/harness";

/** nft's output in `ns`; "" while what it lists does not exist yet. */
function nft(ns: string, ...args: string[]): string {
  try {
    return execFileSync("ip", ["netns", "exec", ns, "nft", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch {
    return "";
  }
}

test("NodeConfig and ServiceUpdates from the master session become the node's service proxy rules", { timeout: 60_000 }, async (t) => {
  const ns = `gtest-proxy-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  t.after(() => execFileSync("ip", ["netns", "del", ns]));
  const dirs = await agentDirs();
  t.after(() => forceCleanup(dirs));
  const agent = await startAgent(dirs, { serviceProxy: true, nodeNetns: `/run/netns/${ns}` });
  t.after(() => agent.stop());
  const master = new FakeMaster(agent.client, "node-test", 1);
  t.after(() => master.cancel());

  master.nodeConfig({ podCidrs: ["10.244.3.0/24"], clusterCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] });
  const view = {
    namespace: "default",
    name: "web",
    type: "ClusterIP",
    clusterIps: ["10.96.3.10"],
    ports: [{ name: "http", protocol: "TCP", port: 80 }],
    endpoints: [{ addresses: ["10.244.3.5"], ready: true, serving: true, nodeName: "node-test", ports: [{ name: "http", protocol: "TCP", port: 8080 }] }],
  };
  master.services({ generation: 1, full: true, upsert: [view] });
  await waitFor("the table", async () => /dnat to 10\.244\.3\.5:8080/.test(nft(ns, "list", "table", "ip", "gantry")) || undefined, 20_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${agent.stderr()}`);
  });
  assert.match(nft(ns, "list", "set", "ip", "gantry", "cluster-cidrs"), /10\.244\.0\.0\/16/);

  master.services({ generation: 2, full: false, remove: ["default/web"] });
  await waitFor("the service gone", async () => !/10\.96\.3\.10 \. tcp/.test(nft(ns, "list", "map", "ip", "gantry", "service-ips")) || undefined, 20_000);

  // The agent stops; the rules stay for its successor.
  await agent.stop();
  assert.match(nft(ns, "list", "tables", "ip"), /table ip gantry/);
});
