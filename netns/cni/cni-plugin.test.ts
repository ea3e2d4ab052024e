// The CNI plugin with Debian's real plugins (bridge, host-local, portmap from /usr/lib/cni), in
// namespaces this test makes: a "node" namespace (where the plugins run and gantry0 lives, as
// in an agent's host namespace) and pod namespaces. Nothing touches the machine's own network;
// everything is removed after each test, also when it fails.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import type { NetnsRegistry } from "../netns";
import { PodNetworks } from "../pod-network";
import { tempRegistry } from "../testing/temp-registry";
import { NetworkNotReadyError } from "../types";
import { hostCommands, netnsPrefix } from "../host-commands";
import { NodeNetwork } from "../node/node-network";
import { CniResultCache } from "./cache";
import { CniPlugin } from "./cni-plugin";
import { CniError } from "./errors";
import { DEFAULT_CNI_PATH, localRunner } from "./exec";
import { gantryNetwork } from "./gantry-network";
import type { NetworkConfigList, PortMapping } from "./types";

const POD_CIDR = "10.244.7.0/24";
const quiet = { info: () => undefined, warn: () => undefined };

interface Fixture {
  registry: NetnsRegistry;
  nodeNs: string;
  dir: string;
  cache: CniResultCache;
  plugin: CniPlugin;
  networks: PodNetworks;
  warnings: string[];
  node: (argv: string[]) => Promise<string>;
  setNetwork(n: NetworkConfigList | undefined): void;
}

/** Attaches with Gantry's network for `podCidr` (hostPort pods get disableCheck), unless setNetwork() chose another. */
async function fixture(t: { after: (fn: () => Promise<void>) => void }, podCidr = POD_CIDR): Promise<Fixture> {
  const registry = await tempRegistry(t, "gantry-cni-");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-cni-data-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const nodeNs = await registry.create("node");
  const exec = hostCommands(nodeNs);
  const node = async (argv: string[]) => (await exec(argv)).stdout;
  await new NodeNetwork({ exec, log: quiet }).apply({ podCidrs: [podCidr], routes: [], clusterCidrs: [], serviceCidrs: [] });
  const cache = new CniResultCache(path.join(dir, "cni", "results"));
  let network: NetworkConfigList | undefined;
  const ipamDataDir = path.join(dir, "cni", "networks");
  const warnings: string[] = [];
  const plugin = new CniPlugin({
    runner: localRunner(DEFAULT_CNI_PATH, netnsPrefix(nodeNs)),
    cache,
    network: (req) => network ?? (network === undefined && podCidr ? gantryNetwork({ podCidr, ipamDataDir, hostPorts: req.portMappings.length > 0 }) : new NetworkNotReadyError("the node has no pod CIDR yet")),
    isLive: (p) => registry.isLive(p),
    warn: (msg, err) => warnings.push(`${msg}: ${(err as Error)?.message ?? ""}`),
  });
  return {
    registry,
    nodeNs,
    dir,
    cache,
    plugin,
    networks: new PodNetworks(registry, plugin),
    warnings,
    node: (argv) => node(argv),
    setNetwork: (n) => {
      network = n;
      if (!n) podCidr = "";
    },
  };
}

const pod = (n: number, portMappings: PortMapping[] = []) => ({ uid: `0b5e7c9a-1111-4c3b-9a7e-3f1f2b6f8e0${n}`, namespace: "default", name: `p${n}`, portMappings });

async function ipamFiles(f: Fixture): Promise<string[]> {
  return (await fs.readdir(path.join(f.dir, "cni", "networks", "gantry")).catch(() => [] as string[])).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).sort();
}

test("pods get addresses from the node's pod CIDR, reach each other over gantry0, and keep their address on a second setUp", async (t) => {
  const f = await fixture(t);
  const a = await f.networks.ensure(pod(1));
  const b = await f.networks.ensure(pod(2));
  assert.deepEqual(a.ips, ["10.244.7.2"]);
  assert.deepEqual(b.ips, ["10.244.7.3"]);
  assert.deepEqual(await ipamFiles(f), ["10.244.7.2", "10.244.7.3"]);
  const inA = (argv: string[]) => f.registry.exec(a.netnsPath, argv);
  assert.match(await inA(["ip", "-o", "-4", "addr", "show", "eth0"]), /inet 10\.244\.7\.2\/24/);
  assert.match(await inA(["ip", "route", "show", "default"]), /default via 10\.244\.7\.1 dev eth0/);
  assert.match(await f.node(["ip", "-o", "link", "show", "master", "gantry0"]), /veth/);
  await inA(["busybox", "ping", "-c", "1", "-W", "2", "10.244.7.3"]);
  await inA(["busybox", "ping", "-c", "1", "-W", "2", "10.244.7.1"]);

  const record = await f.cache.get(pod(1).uid);
  assert.equal(record?.attachment.containerId, pod(1).uid);
  assert.equal(record?.attachment.netns, a.netnsPath);
  assert.deepEqual(record?.result?.ips?.map((i) => i.address), ["10.244.7.2/24"]);

  // The agent sets a sandbox up again after a restart: CHECK passes, same address, no new lease.
  const again = await f.networks.ensure(pod(1));
  assert.deepEqual(again.ips, ["10.244.7.2"]);
  assert.deepEqual(await ipamFiles(f), ["10.244.7.2", "10.244.7.3"]);
  assert.deepEqual(f.warnings, []);
});

test("tearDown DELs exactly what was added, is idempotent, and works when the namespace is already gone", async (t) => {
  const f = await fixture(t);
  const a = await f.networks.ensure(pod(1));
  const b = await f.networks.ensure(pod(2));
  await f.networks.remove(pod(1));
  await f.networks.remove(pod(1));
  assert.deepEqual(await ipamFiles(f), ["10.244.7.3"]);
  assert.equal(await f.cache.get(pod(1).uid), undefined);
  await assert.rejects(fs.stat(a.netnsPath), { code: "ENOENT" });
  // The namespace vanished first (a crash between the two steps): DEL runs without CNI_NETNS.
  await f.registry.delete(path.basename(b.netnsPath));
  await f.networks.remove(pod(2));
  assert.deepEqual(await ipamFiles(f), []);
  assert.deepEqual(await f.cache.list(), []);
  // Nothing recorded: nothing to do, and no error.
  await f.plugin.tearDown({ podUid: "never-added", namespace: "x", name: "y", netnsPath: "/nonexistent", portMappings: [] });
  // Later pods reuse the network from a clean state.
  assert.equal((await f.networks.ensure(pod(3))).ips.length, 1);
});

test("a broken attachment fails CHECK and is attached again; a half-done ADD (agent died) is DELed first", async (t) => {
  const f = await fixture(t);
  const a = await f.networks.ensure(pod(1));
  await f.registry.exec(a.netnsPath, ["ip", "link", "del", "eth0"]);
  const repaired = await f.networks.ensure(pod(1));
  assert.equal(repaired.ips.length, 1);
  assert.match(f.warnings.join("\n"), /failed its CNI CHECK; attaching it again/);
  assert.match(await f.registry.exec(a.netnsPath, ["ip", "-o", "-4", "addr", "show", "eth0"]), new RegExp(`inet ${repaired.ips[0].replace(/\./g, "\\.")}/24`));
  assert.deepEqual(await ipamFiles(f), repaired.ips, "the broken attachment's address was released");

  // A record without a result: the ADD may have done part of its work before the agent died.
  const record = (await f.cache.get(pod(1).uid))!;
  await f.cache.put({ podUid: record.podUid, network: record.network, attachment: record.attachment });
  const after = await f.networks.ensure(pod(1));
  assert.equal(after.ips.length, 1);
  assert.deepEqual(await ipamFiles(f), after.ips, "exactly one address held");
});

test("without a pod CIDR setUp says the network is not ready; plugin errors carry the plugin's msg and details", async (t) => {
  const f = await fixture(t, "10.244.7.0/30");
  f.setNetwork(undefined);
  await assert.rejects(f.networks.ensure(pod(1)), (err: unknown) => err instanceof NetworkNotReadyError && /NetworkReady=false.*no pod CIDR yet/.test(err.message));
  assert.deepEqual(await f.cache.list(), [], "nothing recorded for an attachment never tried");

  // A /30 has one address for pods: the second ADD fails in host-local (called by bridge),
  // is DELed at once and leaves no record.
  f.setNetwork(gantryNetwork({ podCidr: "10.244.7.0/30", ipamDataDir: path.join(f.dir, "cni", "networks") }));
  assert.deepEqual((await f.networks.ensure(pod(1))).ips, ["10.244.7.2"]);
  const err = await f.networks.ensure(pod(2)).catch((e: unknown) => e);
  assert.ok(err instanceof CniError, String(err));
  assert.equal(err.command, "ADD");
  assert.equal(err.plugin, "bridge");
  assert.match(err.msg, /no IP addresses available in range set: 10\.244\.7\.1-10\.244\.7\.2/);
  assert.equal(await f.cache.get(pod(2).uid), undefined);
  assert.doesNotMatch(await f.node(["ip", "-o", "link"]), /veth.*\n.*veth/, "only one veth left on the node");

  // An error with details: a configuration in a version the plugins do not speak.
  f.setNetwork({ ...gantryNetwork({ podCidr: "10.244.7.0/30", ipamDataDir: path.join(f.dir, "cni", "networks") }), cniVersion: "9.9.9" });
  const versionErr = await f.networks.ensure(pod(3)).catch((e: unknown) => e);
  assert.ok(versionErr instanceof CniError);
  assert.equal(versionErr.code, 1);
  assert.equal(versionErr.msg, "incompatible CNI versions");
  assert.match(versionErr.details, /config is "9\.9\.9", plugin supports \[.*"1\.0\.0"\]/);
  assert.match(versionErr.message, /failed in plugin bridge \(code 1\): incompatible CNI versions: config is "9\.9\.9"/);
});

test("hostPorts: portmap forwards the node's port to the pod, and DEL removes its rules", async (t) => {
  const f = await fixture(t);
  const mappings: PortMapping[] = [{ hostPort: 18080, containerPort: 8080, protocol: "tcp" }];
  const web = await f.networks.ensure(pod(1, mappings));
  // Set up again (an agent restart): the same attachment, no spurious CHECK failure from
  // Debian's portmap (the record has disableCheck), no second set of rules.
  assert.deepEqual((await f.networks.ensure(pod(1, mappings))).ips, web.ips);
  assert.deepEqual(f.warnings, []);
  assert.equal((await f.cache.get(pod(1).uid))?.network.disableCheck, true);
  const nat = () => f.node(["iptables", "-t", "nat", "-S"]);
  assert.match(await nat(), /--dport 18080 .*-j DNAT --to-destination 10\.244\.7\.2:8080/);
  // A one-shot server in the pod; the node connects to its own gateway address's port 18080.
  const server = f.registry.exec(web.netnsPath, ["busybox", "nc", "-l", "-p", "8080", "-e", "echo", "hello from the pod"], 15_000).catch((e: unknown) => String(e));
  let answer = "";
  for (let i = 0; i < 50 && !answer.includes("hello"); i++) {
    answer = await f.node(["busybox", "nc", "-w", "2", "10.244.7.1", "18080"]).catch(() => "");
    if (!answer) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(answer, /hello from the pod/);
  await server;
  await f.networks.remove(pod(1, []));
  assert.doesNotMatch(await nat(), /18080|10\.244\.7\.2/, "the DEL used the recorded portMappings");
});
