// The measuring half of bench/network-pod-start.ts, run INSIDE the benchmark's own network
// namespace (so the agent's bridge, routes and sysctls, the CNI plugins' veths and rules, and
// the registry on 127.0.0.1 all live there). Prints one JSON line: the result.
//
//   ours: a real agent (--pod-network=cni, NodeConfig with pod CIDR 10.244.0.0/24 sent on its
//         Session as a master would) starts BENCH_NET_PODS pods one after another (`sleep 3600`,
//         image cached): ms from the DesiredPods write to the first ListPodStatus reply (polled
//         every 5 ms) showing the container running. The pod's network (netns, CNI ADD through
//         bridge + host-local (portmap only for pods with hostPorts; these have none), the agent's attachment record) is inside that time.
//   raw:  interleaved with ours, the same work by hand: a network namespace (unshare, as the
//         agent makes it), the same CNI ADD (the same configuration list: each plugin binary run
//         with the CNI_* environment and its JSON on stdin, prevResult passed along), an
//         overlayfs mount of the same layers and `runc run -d` joining that namespace, no conmon.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { cniStateDirs, gantryNetwork } from "../netns/cni/gantry-network";
import type { CniResult, NetworkConfigList } from "../netns/cni/types";
import { run } from "../netns/run";
import { pullImage } from "../runtime/image/puller";
import { LocalImageStore } from "../runtime/image/store";
import { pollRunning, prePull, sleepPod, startBenchAgent, uidOf } from "./runtime-agent";
import { CleanupStack, sleep, summarize } from "./runtime-proc";
import { rawCleanup, rawRunc, rawStart, type RawRunc } from "./runtime-raw";
import { round } from "./stats";

const PODS = Number(process.env.BENCH_NET_PODS ?? 30);
const NODE = "bench-net-node";
const POD_CIDR = "10.244.0.0/24";
const CNI_BIN = "/usr/lib/cni";

/** One raw attachment, to be DELed by hand afterwards. */
interface RawNet {
  netns: string;
  containerId: string;
  result: CniResult;
}

function execPluginByHand(type: string, env: Record<string, string>, config: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(CNI_BIN, type), [], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.stdin.on("error", () => undefined);
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${type} ${env.CNI_COMMAND}: exit ${code}: ${out.trim() || err.trim()}`))));
    child.stdin.end(JSON.stringify(config));
  });
}

/** The spec's ADD of a configuration list, written out by hand (no capability arguments: no hostPorts). */
async function cniByHand(command: "ADD" | "DEL", list: NetworkConfigList, netns: string, containerId: string, added?: CniResult): Promise<CniResult | undefined> {
  const env = { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: "eth0", CNI_ARGS: "IgnoreUnknown=1", CNI_PATH: CNI_BIN };
  let prev = added;
  const plugins = command === "ADD" ? list.plugins : [...list.plugins].reverse();
  for (const { capabilities: _c, ...plugin } of plugins) {
    const out = await execPluginByHand(plugin.type, env, { ...plugin, cniVersion: list.cniVersion, name: list.name, ...(prev ? { prevResult: prev } : {}) });
    if (command === "ADD") prev = JSON.parse(out) as CniResult;
  }
  return prev;
}

async function rawPodStart(raw: RawRunc, list: NetworkConfigList, nets: RawNet[], layers: string[], env: string[]) {
  const netns = path.join(raw.base, `net-${nets.length}`);
  const containerId = `raw-${randomBytes(4).toString("hex")}`;
  const t0 = performance.now();
  await fs.writeFile(netns, "", { mode: 0o444 });
  await run(["unshare", `--net=${netns}`, "ip", "link", "set", "lo", "up"]);
  const t1 = performance.now();
  const result = (await cniByHand("ADD", list, netns, containerId))!;
  const t2 = performance.now();
  nets.push({ netns, containerId, result });
  const r = await rawStart(raw, layers, env, ["sleep", "3600"], netns);
  return { netnsMs: t1 - t0, cniAddMs: t2 - t1, mountMs: r.mountMs, runcMs: r.runcMs, totalMs: t2 - t0 + r.mountMs + r.runcMs };
}

async function main(): Promise<Record<string, unknown>> {
  const cleanup = new CleanupStack();
  cleanup.arm();
  let result: Record<string, unknown> = {};
  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  try {
    await run(["ip", "link", "set", "lo", "up"]);
    const { busybox, dirs, agent, session } = await startBenchAgent(cleanup, NODE, { podNetwork: "cni" });
    session.nodeConfig({ podCidrs: [POD_CIDR], clusterCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"], clusterDomain: "cluster.local" });
    for (let i = 0; (await run(["ip", "-o", "addr", "show", "gantry0"]).catch(() => ({ stdout: "" }))).stdout.indexOf("10.244.0.1/24") < 0; i++) {
      if (i > 200) throw new Error("the agent did not make gantry0 with 10.244.0.1/24");
      await sleep(50);
    }
    await prePull(agent.client, busybox);

    const raw = await rawRunc();
    const rawNets: RawNet[] = [];
    const list = gantryNetwork({ podCidr: POD_CIDR, ipamDataDir: cniStateDirs(dirs.dataDir).ipam });
    cleanup.add("raw containers, attachments and namespaces", async () => {
      for (const id of raw.ids) await run(["/usr/sbin/runc", `--root=${raw.runcRoot}`, "delete", "--force", id]).catch(() => undefined);
      for (const n of rawNets.splice(0)) {
        await cniByHand("DEL", list, n.netns, n.containerId, n.result);
        await run(["umount", n.netns]).catch(() => undefined);
      }
      await rawCleanup(raw);
    });
    // The raw side's layers: the same image unpacked by our puller into a store of its own.
    const record = await pullImage(busybox, { store: await LocalImageStore.open(path.join(raw.base, "images")) });
    const layers = record.layers.map((l) => l.path);
    const env = record.config.config?.Env ?? [];

    // Warm-ups, untimed.
    const warm = sleepPod("warmup", busybox);
    session.desired([warm], false);
    await pollRunning(agent.client, [uidOf(warm)], 20, 60_000);
    await rawPodStart(raw, list, rawNets, layers, env);

    const ours: number[] = [];
    const rawParts: Awaited<ReturnType<typeof rawPodStart>>[] = [];
    for (let i = 0; i < PODS; i++) {
      const pod = sleepPod(`net-${i}`, busybox);
      const t0 = session.desired([pod], false);
      const polled = await pollRunning(agent.client, [uidOf(pod)], 5, 60_000);
      ours.push(polled.at.get(uidOf(pod))! - t0);
      rawParts.push(await rawPodStart(raw, list, rawNets, layers, env));
    }
    const tr = session.desired([], true);
    await session.until("every pod removed", () => session.known.size === 0, 180_000);
    const removeAllMs = performance.now() - tr;
    const leases = (await fs.readdir(path.join(cniStateDirs(dirs.dataDir).ipam, "gantry")).catch(() => [] as string[])).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).length;

    const oursS = summarize(ours);
    const rawTotal = summarize(rawParts.map((p) => p.totalMs));
    result = {
      method: `${PODS} pods one after another, image cached, each as a one-pod DesiredPods delta once the previous one runs; ms from the write to the first ListPodStatus reply (polled every 5 ms) showing the container running. Raw reference interleaved: netns (unshare) + the same CNI ADD by hand (bridge and host-local: the same configuration list, which has no portmap for pods without hostPorts) + overlay mount + runc run -d joining the namespace`,
      machine: { cpus: os.cpus().length, kernel: os.release(), node: process.version },
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
      loadAverageAtStart: loadAtStart,
      oursMs: oursS,
      oursSamplesMs: ours.map((x) => round(x, 1)),
      rawMs: {
        total: rawTotal,
        netns: summarize(rawParts.map((p) => p.netnsMs)),
        cniAdd: summarize(rawParts.map((p) => p.cniAddMs)),
        overlayMount: summarize(rawParts.map((p) => p.mountMs)),
        runcRun: summarize(rawParts.map((p) => p.runcMs)),
      },
      ratios: { p50: round(oursS.p50 / rawTotal.p50, 2), p99: round(oursS.p99 / rawTotal.p99, 2) },
      removeAllMs: round(removeAllMs),
      // What the agent's own pods left in host-local after their removal (raw ones are DELed at cleanup).
      agentLeasesLeftAfterRemoval: leases - rawNets.length,
    };
  } finally {
    const failures = await cleanup.run();
    result.cleanup = { failures };
  }
  return result;
}

main().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`network pod-start bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
