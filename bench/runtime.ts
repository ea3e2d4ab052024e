// Node runtime benchmark: pod start latency, image pull + unpack, and the agent's footprint with
// 100 pods, each next to a reference measured in the same run. Writes bench/results/runtime.json.
//
// Setup: a real docker-registry on 127.0.0.1 with the test images (test/images) plus
// gantry-bench/big (busybox + one layer of BENCH_RUNTIME_BIG_MIB MiB of random bytes), and a
// real agent as its own process (agent/testing/harness.ts: own data, run, runtime and runc dirs
// and cgroup parent). The benchmark is the agent's master: it opens a Session as the dispatcher
// does (heartbeat 10 s) and sends DesiredPods deltas on it.
//
// 1. Pod start latency, image cached. The image is pre-pulled with the PullImage RPC and one
//    warm-up pod (and one warm-up raw container) is started untimed. Then BENCH_RUNTIME_PODS
//    single-container pods (`sleep 3600`, imagePullPolicy IfNotPresent, default pod network =
//    a netns with lo) are submitted ONE AFTER ANOTHER, each as a one-pod delta once the
//    previous one runs, so pod i starts with i pods already running. Latency = the delta's
//    write on the stream → the first ListPodStatus reply (polled every 5 ms for that uid) that
//    shows the container running. Also reported: → the PodStatusUpdate on the session stream
//    (what a master sees; includes the agent's 100 ms status coalescing).
//    Reference, interleaved with ours (one agent pod, one raw container, …) so both see the same
//    background load: mount(8) of an overlayfs over the same unpacked layers + `runc run -d` of
//    a bundle whose config.json comes from our spec builder for the same command (same
//    namespaces, mounts, caps, rlimits, cgroup parent layout), no conmon, no pod netns
//    (runc makes a fresh network namespace). Ratios are ours/raw of p50 and p99.
// 2. Pull + unpack: pullImage into a fresh LocalImageStore (layer dirs, verified digests) vs
//    `skopeo copy docker://… oci:…` + `umoci unpack` (a flattened rootfs + mtree manifest), the
//    same image from the same registry; one untimed round each, then BENCH_RUNTIME_PULL_REPEATS
//    alternating rounds; medians and ours/reference. BENCH_RUNTIME_ONLY=pull runs only this
//    part (`BENCH_RUNTIME_ONLY=pull gantry bench runtime`), with the same `pull` keys.
// 3. Footprint: after the sequential pods, the rest up to BENCH_RUNTIME_TOTAL pods (100) are
//    submitted in ONE delta (its per-pod latency and time to all running are reported too);
//    then, after BENCH_RUNTIME_SETTLE_S idle seconds, the agent process's VmRSS (sampled every
//    second) and CPU (utime+stime delta from /proc/<pid>/stat) over BENCH_RUNTIME_SAMPLE_S
//    seconds, with the session open (heartbeats, node status every 10 s), nothing polling
//    (runtime-idle.ts: also idleCpuPercent, its reaped children's and the conmons' CPU).
//    conmon monitors (count, summed RSS) are context. Then all pods are removed (a full empty
//    desired set) and the time until the agent reports none is reported.
//
// Caveats: a shared 2-core machine (other engineers' tests may run; load averages are recorded);
// ListPodStatus polling itself costs the agent a little CPU during part 1; the raw reference
// skips what a pod needs beyond a container (netns + lo, /etc/hosts etc., pod cgroup, conmon, log
// file, status bookkeeping), so the ratio is the price of all of that, not of runc; skopeo+umoci
// produce a different on-disk result (a flattened rootfs) than our layer store; page cache is
// warm for both sides (registry storage, layers). A pod reported as ContainerStatusUnknown on
// its way to running is waited for, not failed, and listed in podsSeenContainerStatusUnknown
// (the agent used to report a container it was still creating that way; the list should stay
// empty).

import os from "node:os";
import { performance } from "node:perf_hooks";
import { promises as fs } from "node:fs";
import { agentDirs, forceCleanup, startAgent } from "../agent/testing/harness";
import { mountsUnder, readMountInfo } from "../netns/mountinfo";
import { run } from "../netns/run";
import { pullImage } from "../runtime/image/puller";
import { LocalImageStore } from "../runtime/image/store";
import { cgroupDirs } from "../runtime/runc/cgroups";
import { pushTestImages } from "../test/images/build";
import { startRegistry } from "../test/images/registry";
import { BenchSession, podCount, pollRunning, prePull, sleepPod, uidOf } from "./runtime-agent";
import { sampleIdleCpu } from "./runtime-idle";
import { CleanupStack, clockTicks, findProcesses, sleep, statusKiB, summarize } from "./runtime-proc";
import { BigRepo, benchPull, benchPullOnly, pushBigImage } from "./runtime-pull";
import { RUNC, rawCleanup, rawRunc, rawStart } from "./runtime-raw";
import { round, writeResult } from "./stats";

const SEQ_PODS = Number(process.env.BENCH_RUNTIME_PODS ?? 50);
const TOTAL_PODS = Number(process.env.BENCH_RUNTIME_TOTAL ?? 100);
const PULL_REPEATS = Number(process.env.BENCH_RUNTIME_PULL_REPEATS ?? 5);
const BIG_MIB = Number(process.env.BENCH_RUNTIME_BIG_MIB ?? 50);
const SETTLE_S = Number(process.env.BENCH_RUNTIME_SETTLE_S ?? 10);
const SAMPLE_S = Number(process.env.BENCH_RUNTIME_SAMPLE_S ?? 30);
const NODE = "bench-node";
const COMMAND = ["sleep", "3600"];

const loadavg = () => os.loadavg().map((l) => round(l, 2));

async function withTimeout<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function rssKiB(pids: number[]): Promise<number> {
  let sum = 0;
  for (const pid of pids) sum += (await statusKiB(pid, "VmRSS")) ?? 0;
  return sum;
}

/** What is left of the benchmark's containers, mounts, cgroups and processes after cleanup. */
async function leftovers(bases: string[], runcRoots: string[], cgroupParents: string[]): Promise<string[]> {
  const left: string[] = [];
  for (const root of runcRoots) {
    // `runc list` creates a missing root: only ask about one that exists.
    if (!(await fs.stat(root).then(() => true, () => false))) continue;
    const ids = await run([RUNC, `--root=${root}`, "list", "-q"]).then((r) => r.stdout.split("\n").filter(Boolean), () => [] as string[]);
    if (ids.length > 0) left.push(`runc root ${root}: ${ids.length} containers`);
  }
  const mounts = await readMountInfo();
  for (const base of bases) {
    const m = mountsUnder(mounts, base);
    if (m.length > 0) left.push(`${m.length} mounts under ${base}`);
    if (await fs.stat(base).then(() => true, () => false)) left.push(`directory ${base}`);
    for (const name of ["conmon", "runc"]) {
      const pids = await findProcesses(name, base);
      if (pids.length > 0) left.push(`${pids.length} ${name} processes of ${base}`);
    }
  }
  for (const parent of cgroupParents) {
    for (const dir of await cgroupDirs(parent)) if (await fs.stat(dir).then(() => true, () => false)) left.push(`cgroup ${dir}`);
  }
  return left;
}

export async function benchRuntime(): Promise<Record<string, unknown>> {
  if (process.env.BENCH_RUNTIME_ONLY === "pull") {
    return { benchmark: "runtime", date: new Date().toISOString(), load: loadavg(), ...(await benchPullOnly(PULL_REPEATS, BIG_MIB)) };
  }
  const cleanup = new CleanupStack();
  cleanup.arm();
  const startedAt = performance.now();
  const load = { atStart: loadavg(), atEnd: [] as number[] };
  const bases: string[] = [];
  const runcRoots: string[] = [];
  const cgroupParents: string[] = [];
  let result: Record<string, unknown> = {};
  try {
    // Registry and images.
    const registry = await startRegistry();
    cleanup.add("registry", () => registry.stop());
    const images = await pushTestImages(registry.url);
    const busyboxBytes = images.busybox.layers.reduce((n, l) => n + l.size, 0);
    const bigBytes = await pushBigImage(registry.url, BIG_MIB);
    const busybox = `${registry.host}/gantry-test/busybox:latest`;
    console.log(`registry ${registry.host}: busybox ${busyboxBytes} B, big ${bigBytes} B compressed`);

    // 2. Pull + unpack (before the agent runs, so nothing else of ours competes).
    const pullBusybox = await benchPull(registry.host, "gantry-test/busybox", busyboxBytes, PULL_REPEATS);
    console.log(`pull busybox: ours ${pullBusybox.oursMs.median} ms, skopeo+umoci ${pullBusybox.reference.medianMs} ms`);
    const pullBig = await benchPull(registry.host, BigRepo, bigBytes, PULL_REPEATS);
    console.log(`pull big: ours ${pullBig.oursMs.median} ms, skopeo+umoci ${pullBig.reference.medianMs} ms`);

    // The raw reference's layers: busybox unpacked by our puller into its own store.
    const raw = await rawRunc();
    bases.push(raw.base);
    runcRoots.push(raw.runcRoot);
    cgroupParents.push(raw.cgroupParent);
    cleanup.add("raw runc containers", () => rawCleanup(raw));
    const record = await pullImage(busybox, { store: await LocalImageStore.open(`${raw.base}/images`) });
    const layers = record.layers.map((l) => l.path);
    const env = record.config.config?.Env ?? [];

    // The agent, and the session we drive it through.
    const dirs = await agentDirs();
    bases.push(dirs.base);
    runcRoots.push(dirs.runcRoot);
    cgroupParents.push(dirs.cgroupParent);
    cleanup.add("agent directories, containers, mounts, cgroups", () => forceCleanup(dirs));
    const agent = await startAgent(dirs, { nodeName: NODE });
    cleanup.add("agent process", () => agent.stop());
    const pid = agent.child.pid!;
    const client = agent.client;
    const session = new BenchSession(client, NODE);
    cleanup.add("session", async () => session.close());
    await withTimeout("session opening", session.ready, 30_000);
    const rssIdleNoPodsKiB = await statusKiB(pid, "VmRSS");

    const t = performance.now();
    await withTimeout("pre-pull", prePull(client, busybox), 60_000);
    const prePullMs = performance.now() - t;

    // Warm-ups, untimed: the first pod and the first raw container.
    const warm = sleepPod("warmup", busybox);
    session.desired([warm], false);
    await pollRunning(client, [uidOf(warm)], 20, 60_000);
    await rawStart(raw, layers, env, COMMAND);

    // 1. Sequential pod starts, interleaved with raw runc starts.
    const ours: number[] = [];
    const oursStream: number[] = [];
    const rawRuncMs: number[] = [];
    const rawTotalMs: number[] = [];
    const seqUnknown: number[] = [];
    for (let i = 0; i < SEQ_PODS; i++) {
      const pod = sleepPod(`seq-${i}`, busybox);
      const uid = uidOf(pod);
      const t0 = session.desired([pod], false);
      const polled = await pollRunning(client, [uid], 5, 60_000);
      await session.until(`pod seq-${i} running`, () => session.runningAt.has(uid), 10_000);
      ours.push(polled.at.get(uid)! - t0);
      if (polled.sawUnknown.size > 0) seqUnknown.push(i);
      oursStream.push(session.runningAt.get(uid)! - t0);
      const r = await rawStart(raw, layers, env, COMMAND);
      rawRuncMs.push(r.runcMs);
      rawTotalMs.push(r.mountMs + r.runcMs);
    }
    const rssAfterSeqKiB = await statusKiB(pid, "VmRSS");
    console.log(`sequential: ours p50 ${summarize(ours).p50} ms, raw runc p50 ${summarize(rawRuncMs).p50} ms`);
    await rawCleanup(raw);

    // 3. The rest up to TOTAL_PODS in one delta.
    const batch = Array.from({ length: Math.max(0, TOTAL_PODS - SEQ_PODS - 1) }, (_, i) => sleepPod(`batch-${i}`, busybox));
    const tb = session.desired(batch, false);
    const batchAt = await pollRunning(client, batch.map(uidOf), 20, 240_000);
    const batchAllMs = performance.now() - tb;
    await session.until("batch pods running", () => batch.every((p) => session.runningAt.has(uidOf(p))), 30_000);
    const batchMs = batch.map((p) => batchAt.at.get(uidOf(p))! - tb);
    const running = await podCount(client);
    console.log(`batch of ${batch.length}: all running after ${round(batchAllMs)} ms; ${running} pods on the agent`);

    await sleep(SETTLE_S * 1000);
    const hz = await clockTicks();
    const idle = await sampleIdleCpu(pid, dirs.base, SAMPLE_S);
    const rss = idle.rssKiB;
    const sampleSeconds = idle.sampleSeconds;
    const cpuSeconds = (idle.agentPercent / 100) * sampleSeconds;
    const conmons = await findProcesses("conmon", dirs.base);
    const conmonRssKiB = await rssKiB(conmons);
    const hwmKiB = await statusKiB(pid, "VmHWM");

    // Removal of everything, as a master would ask for it.
    const tr = session.desired([], true);
    await session.until("every pod removed", () => session.known.size === 0, 180_000);
    const removeAllMs = performance.now() - tr;
    const runcLeft = (await run([RUNC, `--root=${dirs.runcRoot}`, "list", "-q"])).stdout.split("\n").filter(Boolean).length;

    const seq = summarize(ours);
    const seqStream = summarize(oursStream);
    const rawRun = summarize(rawRuncMs);
    const rawTotal = summarize(rawTotalMs);
    const rssMiB = rss.map((k) => k / 1024);
    result = {
      benchmark: "runtime",
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() },
      podStart: {
        method: `${SEQ_PODS} pods submitted one after another (one-pod DesiredPods delta on a Session once the previous pod runs), image cached; ms from the write to the first ListPodStatus reply (polled every 5 ms) showing the container running`,
        prePullMs: round(prePullMs),
        oursMs: seq,
        oursSamplesMs: ours.map((x) => round(x, 1)),
        podsSeenContainerStatusUnknown: seqUnknown,
        oursSessionStreamMs: seqStream,
        rawRuncRunMs: rawRun,
        rawOverlayMountPlusRuncRunMs: rawTotal,
        ratios: {
          p50VsRuncRun: round(seq.p50 / rawRun.p50, 2),
          p99VsRuncRun: round(seq.p99 / rawRun.p99, 2),
          p50VsOverlayPlusRuncRun: round(seq.p50 / rawTotal.p50, 2),
          p99VsOverlayPlusRuncRun: round(seq.p99 / rawTotal.p99, 2),
        },
      },
      batchStart: { pods: batch.length, alreadyRunning: SEQ_PODS + 1, allRunningMs: round(batchAllMs), perPodMs: summarize(batchMs), podsSeenContainerStatusUnknown: batchAt.sawUnknown.size, note: "one delta with every pod; per pod: write → ListPodStatus (polled every 20 ms) shows it running" },
      pull: { busybox: pullBusybox, big: { randomMiB: BIG_MIB, ...pullBig } },
      footprint: {
        pods: running,
        settleSeconds: SETTLE_S,
        sampleSeconds: round(sampleSeconds, 1),
        agentRssMiB: { mean: round(rssMiB.reduce((a, b) => a + b, 0) / rssMiB.length, 1), max: round(Math.max(...rssMiB), 1), last: round(rssMiB[rssMiB.length - 1], 1) },
        agentRssHighWaterMiB: round((hwmKiB ?? NaN) / 1024, 1),
        agentRssNoPodsMiB: round((rssIdleNoPodsKiB ?? NaN) / 1024, 1),
        agentRssAfterSequentialMiB: round((rssAfterSeqKiB ?? NaN) / 1024, 1),
        agentCpu: { seconds: round(cpuSeconds, 2), percentOfOneCore: idle.agentPercent, clockTicksPerSecond: hz },
        idlePods: running,
        idleCpuPercent: idle.agentPercent,
        idleChildrenCpuPercent: idle.childrenPercent,
        conmonCpuPercent: idle.conmonPercent,
        conmon: { count: conmons.length, rssTotalMiB: round(conmonRssKiB / 1024, 1), rssPerConmonKiB: round(conmonRssKiB / Math.max(1, conmons.length)) },
        removeAllMs: round(removeAllMs),
        runcContainersLeftAfterRemoval: runcLeft,
      },
    };
  } finally {
    const failures = await cleanup.run();
    const left = await leftovers(bases, runcRoots, cgroupParents).catch((err: Error) => [`checking leftovers failed: ${err.message}`]);
    load.atEnd = loadavg();
    result.loadAverage = load;
    result.wallSeconds = round((performance.now() - startedAt) / 1000, 1);
    result.cleanup = { failures, leftovers: left };
    if (failures.length > 0 || left.length > 0) console.error(`runtime bench: cleanup incomplete: ${[...failures, ...left].join("; ")}`);
  }
  return result;
}

if (require.main === module) {
  benchRuntime().then(
    (r) => console.log(`wrote ${writeResult("runtime", r)}\n${JSON.stringify(r, null, 2)}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
