// The node's status for the master: capacity and allocatable (what the scheduler packs pods
// against), live usage, conditions, node info, addresses and images. The static facts come
// from systeminformation once; what is sampled on every call is read from /proc
// (host-usage.ts) and by statfs on the data dir's filesystem.
//
// Allocatable = capacity minus a small reservation for the system and the agent (the kubelet's
// system-reserved + kube-reserved + hard eviction thresholds, folded into fixed amounts):
// 100m CPU, 256 MiB memory, 10% of ephemeral storage. Pods: 110, the kubelet's default.

import { promises as fs } from "node:fs";
import * as os from "node:os";
import si from "systeminformation";
import { formatQuantity } from "../../api/quantity";
import { NodeStatus, type NodeCondition, type NodeImage } from "../../proto/gen/agent";
import { run } from "../../netns/run";
import type { LocalImageStore } from "../../runtime/image/store";
import { imageIdOf } from "../images";
import { CpuLoad, readMemory } from "./host-usage";
import { rfc3339 } from "../pod-worker/messages";

export const AGENT_VERSION = "v1.32.0-gantry";
export const MAX_PODS = 110;
export const RESERVED = { cpuMillis: 100, memoryBytes: 256 * 1024 * 1024, storageFraction: 0.1 };
const MEMORY_PRESSURE_BYTES = 100 * 1024 * 1024;
const DISK_PRESSURE_FRACTION = 0.1;

export interface NodeStatusOptions {
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  runcPath?: string;
  images: LocalImageStore;
  runningPods(): number;
  now?: () => number;
}

interface StaticInfo {
  cpuMillis: number;
  memoryBytes: number;
  info: NodeStatus["nodeInfo"];
}

const GOARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

async function readTrim(file: string): Promise<string> {
  return (await fs.readFile(file, "utf8").catch(() => "")).trim();
}

/** The first non-internal IPv4 address of the host; 127.0.0.1 when there is none. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/**
 * What of a status the master would record: all but the live usage and the conditions'
 * heartbeat times (the master stamps its own on every write). Equal keys: nothing to report.
 */
export function reportKey(s: NodeStatus): string {
  return JSON.stringify({ ...s, usage: undefined, conditions: s.conditions.map((c) => ({ ...c, lastHeartbeatTime: "" })) });
}

export class NodeStatusProvider {
  private static?: StaticInfo;
  private transitions = new Map<string, { status: string; since: number }>();
  private readonly cpuLoad = new CpuLoad();

  constructor(private readonly opts: NodeStatusOptions) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async staticInfo(): Promise<StaticInfo> {
    if (this.static) return this.static;
    const [cpu, mem, osInfo, uuid] = await Promise.all([si.cpu(), si.mem(), si.osInfo(), si.uuid()]);
    let runtimeVersion = "runc://unknown";
    try {
      const out = (await run([this.opts.runcPath ?? "runc", "--version"])).stdout;
      const m = /runc version (\S+)/.exec(out);
      if (m) runtimeVersion = `runc://${m[1]}`;
    } catch {
      // reported as unknown; the agent still runs (the runtime reports its own failures)
    }
    this.static = {
      cpuMillis: (os.availableParallelism?.() ?? cpu.cores) * 1000,
      memoryBytes: mem.total,
      info: {
        machineId: (await readTrim("/etc/machine-id")) || uuid.os,
        systemUuid: (await readTrim("/sys/class/dmi/id/product_uuid")) || uuid.hardware || uuid.os,
        bootId: await readTrim("/proc/sys/kernel/random/boot_id"),
        kernelVersion: os.release(),
        osImage: osInfo.codename ? `${osInfo.distro} ${osInfo.release} (${osInfo.codename})` : `${osInfo.distro} ${osInfo.release}`.trim(),
        containerRuntimeVersion: runtimeVersion,
        agentVersion: AGENT_VERSION,
        operatingSystem: os.platform(),
        architecture: GOARCH[process.arch] ?? process.arch,
      },
    };
    return this.static;
  }

  private condition(type: string, bad: boolean, good: [string, string], worse: [string, string], now: number): NodeCondition {
    const status = type === "Ready" ? (bad ? "False" : "True") : bad ? "True" : "False";
    const prev = this.transitions.get(type);
    const since = prev && prev.status === status ? prev.since : now;
    this.transitions.set(type, { status, since });
    const [reason, message] = bad ? worse : good;
    return { type, status, reason, message, lastHeartbeatTime: rfc3339(now), lastTransitionTime: rfc3339(since) };
  }

  async get(): Promise<NodeStatus> {
    const s = await this.staticInfo();
    const now = this.now();
    const [mem, load, st] = await Promise.all([readMemory(), this.cpuLoad.sample(), fs.statfs(this.opts.dataDir)]);
    const fsTotal = st.blocks * st.bsize;
    const fsAvail = st.bavail * st.bsize;
    const fsUsed = (st.blocks - st.bfree) * st.bsize;
    const cpu = (m: number) => formatQuantity(m / 1000);
    const bytes = (b: number) => formatQuantity(Math.max(0, Math.floor(b / 1024)) * 1024, "BinarySI");
    const memoryPressure = mem.availableBytes < MEMORY_PRESSURE_BYTES;
    const diskPressure = fsTotal > 0 && fsAvail / fsTotal < DISK_PRESSURE_FRACTION;
    return NodeStatus.fromPartial({
      capacity: { cpu: cpu(s.cpuMillis), memory: bytes(s.memoryBytes), "ephemeral-storage": bytes(fsTotal), pods: String(MAX_PODS) },
      allocatable: {
        cpu: cpu(Math.max(0, s.cpuMillis - RESERVED.cpuMillis)),
        memory: bytes(s.memoryBytes - RESERVED.memoryBytes),
        "ephemeral-storage": bytes(fsTotal * (1 - RESERVED.storageFraction)),
        pods: String(MAX_PODS),
      },
      usage: {
        timestamp: rfc3339(now),
        cpuUsageNanoCores: Math.round(load * (s.cpuMillis / 1000) * 1e9),
        memoryWorkingSetBytes: Math.max(0, mem.totalBytes - mem.availableBytes),
        memoryAvailableBytes: mem.availableBytes,
        filesystemUsedBytes: fsUsed,
        filesystemAvailableBytes: fsAvail,
        runningPods: this.opts.runningPods(),
      },
      conditions: [
        this.condition("Ready", false, ["KubeletReady", "kubelet is posting ready status"], ["KubeletNotReady", ""], now),
        this.condition("MemoryPressure", memoryPressure, ["KubeletHasSufficientMemory", "kubelet has sufficient memory available"], ["KubeletHasInsufficientMemory", "kubelet has insufficient memory available"], now),
        this.condition("DiskPressure", diskPressure, ["KubeletHasNoDiskPressure", "kubelet has no disk pressure"], ["KubeletHasDiskPressure", "kubelet has disk pressure"], now),
        this.condition("PIDPressure", false, ["KubeletHasSufficientPID", "kubelet has sufficient PID available"], ["KubeletHasInsufficientPID", ""], now),
      ],
      nodeInfo: s.info,
      addresses: [
        { type: "InternalIP", address: this.opts.nodeIP },
        { type: "Hostname", address: this.opts.nodeName },
      ],
      images: await this.images(),
    });
  }

  private async images(): Promise<NodeImage[]> {
    const records = await this.opts.images.images.list().catch(() => []);
    return records.map((r) => ({ names: [imageIdOf(r), r.ref], sizeBytes: r.layers.reduce((n, l) => n + l.size, 0) }));
  }
}
