// The pod network end to end (DESIGN.md §7) on the multi-host topology (helpers/cluster.ts): one
// master and two agents, each in its own test host (network namespace), pods wired by the real
// CNI plugins. Checked: addresses from each node's pod CIDR (kubectl get pods -o wide), pod to
// pod across nodes with the source address kept, hostPort on the node's address, hostNetwork,
// nothing for the cluster or service ranges leaving a host, an agent kill -9 + restart keeping
// addresses and open connections, addresses released with their pods, routes following nodes,
// and `gantry agent cleanup-network` leaving nothing behind.
//
// All traffic stays inside the test namespaces; everything is removed in after(), also when a
// test fails (the leak counter's table and the temporary default route in finally blocks).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Ipv4Cidr } from "../api/ipv4-cidr";
import { startCluster, type ClusterAgent, type GantryCluster } from "./helpers/cluster";
import { execInHostNetwork, type ExecResult } from "./helpers/netns-hosts";
import { sleep, waitFor } from "./helpers/wait";
import { NetImage } from "./images/network";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const NET_IMAGE_SCRIPT = path.resolve(__dirname, "images/network.js");
let c: GantryCluster;
let image = "";

interface PodJson {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; podIPs?: { ip: string }[]; hostIP?: string; containerStatuses?: { restartCount: number; ready: boolean }[] };
}

before(async () => {
  c = await startCluster({ agents: ["node-a", "node-b"] });
  // The hostPort and hostNetwork pods need a namespace Pod Security's default (baseline) allows them in.
  await c.kubectlOk(["label", "namespace", "default", "pod-security.kubernetes.io/enforce=privileged"]);
  const pushed = await c.masterHost.exec(process.execPath, [NET_IMAGE_SCRIPT, `http://${c.registry}`], { timeoutMs: 60_000 });
  if (pushed.code !== 0) throw new Error(`pushing the network test image failed:\n${pushed.stderr}${pushed.stdout}`);
  image = `${c.registry}/${NetImage.repo}:${NetImage.tag}`;
});

after(async () => {
  const problems = (await c?.stop()) ?? [];
  if (problems.length > 0) console.error(`cluster cleanup: ${problems.join("; ")}`);
});

function podManifest(name: string, node: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { test: "pod-network" } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, ...container }], ...spec },
  });
}

async function create(...manifests: string[]): Promise<void> {
  for (const m of manifests) await c.kubectlOk(["create", "-f", "-"], { input: m });
}

async function pod(name: string): Promise<PodJson> {
  return JSON.parse(await c.kubectlOk(["get", "pod", name, "-o", "json"])) as PodJson;
}

/** Waits until every named pod is Running and ready with a pod IP. */
async function running(...names: string[]): Promise<Record<string, PodJson>> {
  const out: Record<string, PodJson> = {};
  for (const name of names) {
    out[name] = await waitFor(`pod ${name} Running with an IP`, async () => {
      const p = await pod(name);
      const ok = p.status.phase === "Running" && p.status.podIP && (p.status.containerStatuses ?? []).every((s) => s.ready);
      return ok ? p : undefined;
    }, 120_000, 300);
  }
  return out;
}

async function podCidr(node: string): Promise<Ipv4Cidr> {
  const cidr = await c.kubectlOk(["get", "node", node, "-o", "jsonpath={.spec.podCIDR}"]);
  return Ipv4Cidr.parse(cidr)!;
}

/** Runs a command in a host's network namespace with the machine's mounts (as the agents run). */
function inHost(a: ClusterAgent | { host: { netns: string } }, argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
  return execInHostNetwork(a.host, argv, timeoutMs);
}

async function inHostOk(a: ClusterAgent, argv: string[]): Promise<string> {
  const r = await inHost(a, argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} in ${a.name}'s namespace exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

// No -T: Debian's busybox 1.35 wget crashes (SIGSEGV) when it is given a timeout.
const whoami = (ip: string, port = 8080) => ["wget", "-q", "-O", "-", `http://${ip}:${port}/cgi-bin/whoami`];

/** busybox httpd listens on a dual-stack socket: an IPv4 client shows as [::ffff:a.b.c.d]. */
const clientAddress = (remoteAddr: string) => remoteAddr.trim().replace(/^\[::ffff:(.*)\]$/, "$1");

/** `kubectl exec <pod> -- wget .../whoami`, retried briefly (a fresh route or rule may lag). */
async function askFromPod(name: string, ip: string, port = 8080): Promise<string> {
  return waitFor(`${name} reaching ${ip}:${port}`, async () => clientAddress(await c.kubectlOk(["exec", name, "--", ...whoami(ip, port)], { timeoutMs: 15_000 })) || undefined, 45_000, 500);
}

describe("pod network on two nodes", { timeout: 900_000 }, () => {
  let ipA = "";
  let ipB = "";

  test("pods get addresses from their node's pod CIDR, shown by kubectl get pods -o wide; a pod reaches a pod on the other node with its own address", async () => {
    await create(podManifest("web-a", "node-a"), podManifest("web-b", "node-b"));
    const pods = await running("web-a", "web-b");
    ipA = pods["web-a"].status.podIP!;
    ipB = pods["web-b"].status.podIP!;
    const [cidrA, cidrB] = [await podCidr("node-a"), await podCidr("node-b")];
    assert.notEqual(String(cidrA), String(cidrB));
    assert.ok(cidrA.contains(ipA) && ipA !== cidrA.addressAt(1), `${ipA} in ${cidrA}, not its gateway`);
    assert.ok(cidrB.contains(ipB), `${ipB} in ${cidrB}`);
    assert.deepEqual(pods["web-a"].status.podIPs, [{ ip: ipA }]);
    assert.equal(pods["web-a"].status.hostIP, c.agent("node-a").host.address);

    const rows = (await c.kubectlOk(["get", "pods", "-o", "wide", "-l", "test=pod-network"])).split("\n").slice(1).filter(Boolean).map((l) => l.split(/\s+/));
    const row = (name: string) => rows.find((r) => r[0] === name)!;
    assert.deepEqual([row("web-a")[5], row("web-a")[6]], [ipA, "node-a"]);
    assert.deepEqual([row("web-b")[5], row("web-b")[6]], [ipB, "node-b"]);

    // No NAT between pods: the server sees the client pod's own address, both ways.
    assert.equal(await askFromPod("web-a", ipB), ipA);
    assert.equal(await askFromPod("web-b", ipA), ipB);
    // The pod's resolv.conf/hosts side: its own address is in /etc/hosts.
    assert.match(await c.kubectlOk(["exec", "web-a", "--", "cat", "/etc/hosts"]), new RegExp(`^${ipA.replace(/\./g, "\\.")}\\s+web-a`, "m"));
  });

  test("hostPort answers on the node's address, from another host and from a pod on the other node", async () => {
    const nodeB = c.agent("node-b").host.address;
    await create(podManifest("hp", "node-b", {}, { ports: [{ containerPort: 8080, hostPort: 18080 }] }));
    await running("hp");
    const fromClient = await waitFor("hostPort from the client host", async () => {
      const r = await c.client.exec("busybox", whoami(nodeB, 18080), { timeoutMs: 10_000 });
      return r.code === 0 ? clientAddress(r.stdout) : undefined;
    }, 30_000, 500);
    assert.equal(fromClient, c.client.address, "the client's address is kept");
    // A pod reaching a node address leaves the pod ranges, so the service proxy masquerades it
    // behind its own node's address (--masquerade-outside, netns/proxy).
    assert.equal(await askFromPod("web-a", nodeB, 18080), c.agent("node-a").host.address);
  });

  test("a hostNetwork pod has the node's namespace and address", async () => {
    await create(podManifest("hn", "node-a", { hostNetwork: true }, { command: ["sleep", "3600"] }));
    const p = (await running("hn")).hn;
    const nodeA = c.agent("node-a").host.address;
    assert.equal(p.status.podIP, nodeA);
    assert.equal(p.status.hostIP, nodeA);
    assert.match(await c.kubectlOk(["exec", "hn", "--", "ip", "-o", "-4", "addr", "show", "eth0"]), new RegExp(`inet ${nodeA.replace(/\./g, "\\.")}/`));
    // The node itself reaches pods on the other node over the host-gw route, from its own address.
    assert.equal(await askFromPod("hn", ipB), nodeA);
  });

  test("nothing for the cluster or service ranges leaves a host: not from a pod, not from the node", async () => {
    const a = c.agent("node-a");
    const table = `gantry_leak_${randomBytes(3).toString("hex")}`;
    const uplink = c.client.address; // a stand-in router: another test host
    try {
      // A way out (instead of the test host's blackhole default), so a leak would really leave.
      await inHostOk(a, ["ip", "route", "replace", "default", "via", uplink, "dev", "eth0"]);
      await inHostOk(a, ["nft", "add", "table", "ip", table]);
      await inHostOk(a, ["nft", "add", "chain", "ip", table, "out", "{ type filter hook postrouting priority 0 ; }"]);
      for (const dst of ["10.244.0.0/16", "10.96.0.0/12", "10.251.0.0/16"]) {
        await inHostOk(a, ["nft", "add", "rule", "ip", table, "out", "oifname", "eth0", "ip", "daddr", dst, "counter"]);
      }
      const counters = async (): Promise<Record<string, number>> => {
        type Expr = { match?: { right: { prefix?: { addr: string; len: number } } | string }; counter?: { packets: number } };
        const json = JSON.parse(await inHostOk(a, ["nft", "-j", "list", "table", "ip", table])) as { nftables: { rule?: { expr: Expr[] } }[] };
        const out: Record<string, number> = {};
        for (const item of json.nftables) {
          if (!item.rule) continue;
          const right = item.rule.expr.map((e) => e.match?.right).find((r) => typeof r === "object" && r.prefix);
          const prefix = typeof right === "object" ? right.prefix : undefined;
          const counter = item.rule.expr.find((e) => e.counter)?.counter;
          if (prefix && counter) out[`${prefix.addr}/${prefix.len}`] = counter.packets;
        }
        return out;
      };
      const unallocatedPod = "10.244.200.7";
      const unallocatedService = "10.96.123.45";
      for (const dst of [unallocatedPod, unallocatedService]) {
        await c.kubectl(["exec", "web-a", "--", "nc", "-w", "1", dst, "80"], { timeoutMs: 20_000 });
        await c.kubectl(["exec", "web-a", "--", "ping", "-c", "1", "-W", "1", dst], { timeoutMs: 20_000 });
        await inHost(a, ["busybox", "nc", "-w", "1", dst, "80"]);
        await inHost(a, ["busybox", "ping", "-c", "1", "-W", "1", dst]);
      }
      // The counter itself works: an address outside both ranges does leave (to the stand-in
      // router, whose own default route is a blackhole).
      await inHost(a, ["busybox", "ping", "-c", "1", "-W", "1", "10.251.0.1"]);
      const got = await counters();
      assert.ok(got["10.251.0.0/16"] > 0, `the control packet was counted: ${JSON.stringify(got)}`);
      assert.equal(got["10.244.0.0/16"], 0, "no cluster-range packet left through eth0");
      assert.equal(got["10.96.0.0/12"], 0, "no service-range packet left through eth0");
    } finally {
      await inHost(a, ["nft", "delete", "table", "ip", table]);
      await inHost(a, ["ip", "route", "replace", "blackhole", "default"]);
    }
    assert.doesNotMatch(await inHostOk(a, ["nft", "list", "tables"]), new RegExp(table));
  });

  test("an agent killed with -9 and started again keeps its pods' addresses and open connections, without container restarts", async () => {
    await create(
      podManifest("listener", "node-b", {}, { command: ["sh", "-c", "sleep 1000000 | nc -l -p 9000"] }),
      podManifest("doomed", "node-b"),
    );
    const listenerIp = (await running("listener")).listener.status.podIP!;
    const doomed = (await running("doomed")).doomed;
    const b = c.agent("node-b");
    const leasesB = async () => (await fs.readdir(path.join(b.dataDir, "cni", "networks", "gantry"))).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n));
    const recordsB = async () => fs.readdir(path.join(b.dataDir, "cni", "results"));
    assert.ok((await leasesB()).includes(doomed.status.podIP!));
    await create(podManifest("talker", "node-a", {}, { command: ["sh", "-c", `i=0; while :; do echo "n=$i"; i=$((i+1)); sleep 0.3; done | nc ${listenerIp} 9000`] }));
    await running("talker");
    const received = async () => [...(await c.kubectlOk(["logs", "listener"])).matchAll(/^n=(\d+)$/gm)].map((m) => Number(m[1]));
    await waitFor("the listener receiving", async () => (await received()).length >= 3);
    const before = { talker: await pod("talker"), listener: await pod("listener"), webA: await pod("web-a") };

    // (kubectl logs goes through the agent: counted before the kill and after the restart.)
    const countAtKill = (await received()).length;
    for (const name of ["node-a", "node-b"]) await c.agent(name).kill("SIGKILL");
    try {
      // A pod deleted while its agent is down: the restarted agent must DEL what it ADDed.
      await c.kubectlOk(["delete", "pod", "doomed", "--force", "--grace-period=0"]);
      await sleep(3000); // the connection carries on with no agent at all
    } finally {
      for (const name of ["node-a", "node-b"]) c.agent(name).restart();
    }
    await waitFor("both nodes Ready again", async () => {
      const out = (await c.kubectl(["get", "nodes", "--no-headers"])).stdout;
      return /^node-a\s+Ready\b/m.test(out) && /^node-b\s+Ready\b/m.test(out);
    }, 120_000, 500);
    // A new pod after the restart: host-local still knows which addresses are taken.
    await create(podManifest("after-restart", "node-a"));
    const fresh = (await running("after-restart"))["after-restart"];
    await sleep(3000);

    const lines = await received();
    assert.ok(lines.length > countAtKill + 5, `the connection kept carrying data (${countAtKill} lines at the kill, ${lines.length} now)`);
    assert.deepEqual(lines, lines.map((_, i) => i), "one unbroken stream from n=0: the talker never started over");
    for (const [name, was] of Object.entries({ talker: before.talker, listener: before.listener, "web-a": before.webA })) {
      const now = await pod(name);
      assert.equal(now.status.podIP, was.status.podIP, `${name} kept its address`);
      assert.equal(now.metadata.uid, was.metadata.uid);
      assert.equal(now.status.containerStatuses?.[0].restartCount, 0, `${name} was not restarted`);
    }
    assert.ok(![ipA, before.talker.status.podIP].includes(fresh.status.podIP), `the new pod got a free address (${fresh.status.podIP})`);
    assert.equal(await askFromPod("after-restart", ipB), fresh.status.podIP);
    for (const name of ["node-a", "node-b"]) assert.doesNotMatch(c.agent(name).output(), /failed its CNI CHECK/, `${name} found its pods' networks intact`);
    await waitFor("the deleted pod's address and record released on node-b", async () => !(await leasesB()).includes(doomed.status.podIP!) && !(await recordsB()).includes(`${doomed.metadata.uid}.json`), 60_000, 500);
  });

  test("deleting pods releases their addresses, veths and records", async () => {
    const a = c.agent("node-a");
    const leases = async () => (await fs.readdir(path.join(a.dataDir, "cni", "networks", "gantry"))).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).sort();
    const records = async () => (await fs.readdir(path.join(a.dataDir, "cni", "results"))).sort();
    const onA = ["web-a", "talker", "after-restart"];
    const uids = await Promise.all(onA.map(async (n) => (await pod(n)).metadata.uid));
    const ips = await Promise.all(onA.map(async (n) => (await pod(n)).status.podIP!));
    assert.deepEqual(await leases(), [...ips].sort());
    assert.deepEqual(await records(), uids.map((u) => `${u}.json`).sort());
    await c.kubectlOk(["delete", "pod", ...onA, "--wait=true", "--timeout=60s"]);
    await waitFor("node-a's pod network records gone", async () => (await records()).length === 0 && (await leases()).length === 0, 30_000, 300);
    assert.equal((await inHostOk(a, ["ip", "-o", "link", "show", "master", "gantry0"])).trim(), "", "no veth left on gantry0");
  });

  test("routes follow nodes joining and leaving", async () => {
    const [a, b] = [c.agent("node-a"), c.agent("node-b")];
    const routes = async (agent: ClusterAgent) => (await inHostOk(agent, ["ip", "-4", "route", "show", "proto", "157"])).trim();
    const cidrB = await podCidr("node-b");
    assert.match(await routes(a), new RegExp(`^${String(cidrB).replace(/[./]/g, "\\$&")} via ${b.host.address.replace(/\./g, "\\.")} dev eth0`, "m"));
    assert.match(await routes(a), /^blackhole 10\.244\.0\.0\/16/m);
    assert.match(await routes(a), /^10\.96\.0\.0\/12 dev gantry-sink/m);

    // A node joins (a Node object at an address on the test network, no agent behind it).
    const joinerIp = c.net.subnet.replace(/\.0\/24$/, ".200");
    await c.kubectlOk(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: "node-x" }, spec: {} }) });
    await c.kubectlOk(["patch", "node", "node-x", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { addresses: [{ type: "InternalIP", address: joinerIp }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } })]);
    const cidrX = await waitFor("node-x's pod CIDR", async () => (await c.kubectlOk(["get", "node", "node-x", "-o", "jsonpath={.spec.podCIDR}"])) || undefined);
    const toX = `${cidrX} via ${joinerIp} dev eth0`;
    for (const agent of [a, b]) await waitFor(`${agent.name} routing ${cidrX} to node-x`, async () => (await routes(agent)).includes(toX), 30_000, 300);

    await c.kubectlOk(["delete", "node", "node-x"]);
    for (const agent of [a, b]) await waitFor(`${agent.name} forgetting node-x`, async () => !(await routes(agent)).includes(cidrX), 30_000, 300);
  });

  test("gantry agent cleanup-network removes a stopped node's pod network: attachments, hostPort rules, gantry0, routes", async () => {
    const b = c.agent("node-b");
    assert.match(await inHostOk(b, ["iptables", "-t", "nat", "-S"]), /--dport 18080/);
    // As `make down` does: stop the agent, then its containers, then the network.
    await b.kill("SIGTERM");
    for (const id of await b.containers()) await new Promise((r) => execFile("runc", [`--root=${b.runcRoot}`, "delete", "--force", id], r));
    const cleanup = [process.execPath, GANTRY, "agent", "cleanup-network", "--data-dir", b.dataDir, "--run-dir", b.runDir];
    const r = await inHost(b, cleanup, 60_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /removed 3 pod network attachment\(s\), the gantry0 bridge and 3 route\(s\)/);
    assert.doesNotMatch(await inHostOk(b, ["ip", "-o", "link"]), /gantry0|veth/);
    assert.equal((await inHostOk(b, ["ip", "-4", "route", "show", "proto", "157"])).trim(), "");
    assert.doesNotMatch(await inHostOk(b, ["iptables", "-t", "nat", "-S"]), /--dport 18080/);
    assert.deepEqual(await fs.readdir(path.join(b.dataDir, "cni", "results")), []);
    await assert.rejects(fs.stat(path.join(b.dataDir, "cni", "networks")), { code: "ENOENT" });
    // Twice is fine.
    const again = await inHost(b, cleanup, 60_000);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /removed 0 pod network attachment\(s\) and 0 route\(s\)/);
  });
});
