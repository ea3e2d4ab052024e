// Helpers of bench/runtime.ts for driving a real agent: a master stand-in on the Session stream
// that timestamps status arrivals, the benchmark's pod, and ListPodStatus polling.

import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ClientDuplexStream, ServiceError } from "@grpc/grpc-js";
import type { Pod } from "kubernetes-types/core/v1";
import { agentDirs, forceCleanup, podJson, startAgent, type AgentDirs, type AgentProcess } from "../agent/testing/harness";
import { pushTestImages } from "../test/images/build";
import { startRegistry } from "../test/images/registry";
import { MasterMessage, PullImageRequest, type AgentClient, type AgentMessage, type NodeConfig, type PodStatus } from "../proto/gen/agent";
import { sleep, type CleanupStack } from "./runtime-proc";

/** One container, `sleep 3600`, image already on the node, no grace period on removal (sleep as
 *  pid 1 ignores SIGTERM, so any grace period would only be waited out). */
export function sleepPod(name: string, image: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "bench", uid: randomUUID(), resourceVersion: "1" },
    spec: {
      containers: [{ name: "sleep", image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 0,
    },
  };
}

export const uidOf = (p: Pod) => p.metadata!.uid!;

export function containerRunning(s: PodStatus | undefined): boolean {
  return (s?.containerStatuses.length ?? 0) > 0 && s!.containerStatuses.every((c) => c.state?.state?.$case === "running");
}

/** Whether a container is reported as ContainerStatusUnknown. Older agents did so for a
 *  container still being created (a relist between its directory appearing and runc knowing
 *  the id); it passes, so it is counted, not treated as a failure. */
function unknownState(s: PodStatus): boolean {
  return s.containerStatuses.some((c) => c.state?.state?.$case === "waiting" && c.state.state.waiting.reason === "ContainerStatusUnknown");
}

/** A reason to stop waiting: the container failed instead of starting. */
function failure(s: PodStatus | undefined): string | undefined {
  for (const c of s?.containerStatuses ?? []) {
    const st = c.state?.state;
    if (st?.$case === "terminated") return `container ${c.name} terminated: ${st.terminated.reason} ${st.terminated.message}`;
    if (st?.$case === "waiting" && !["ContainerCreating", "PodInitializing", "ContainerStatusUnknown", ""].includes(st.waiting.reason)) {
      return `container ${c.name} waiting: ${st.waiting.reason} ${st.waiting.message}`;
    }
  }
  return undefined;
}

/**
 * The master's side of a Session, as the dispatcher drives it: SessionOpen, then DesiredPods
 * deltas. Records, per pod uid, the performance.now() at which a PodStatusUpdate first showed
 * every container running.
 */
export class BenchSession {
  readonly runningAt = new Map<string, number>();
  readonly known = new Set<string>();
  readonly ended: Promise<ServiceError | undefined>;
  /** How the stream ended, once it has (for error messages). */
  endedHow: string | undefined;
  /** `removed` entries received so far. */
  removedSeen = 0;
  readonly ready: Promise<void>;
  private readonly call: ClientDuplexStream<MasterMessage, AgentMessage>;
  private generation = 0;
  private waiters = new Set<() => void>();

  constructor(client: AgentClient, nodeName: string, heartbeatIntervalSeconds = 10) {
    this.call = client.session();
    let markReady: () => void = () => undefined;
    this.ready = new Promise((r) => (markReady = r));
    this.ended = new Promise((resolve) => {
      this.call.on("error", (e: ServiceError) => resolve(e));
      this.call.on("end", () => resolve(undefined));
    });
    void this.ended.then((e) => (this.endedHow = e ? `with ${e.message}` : "by the agent"));
    this.call.on("data", (m: AgentMessage) => {
      const now = performance.now();
      if (m.msg?.$case !== "podStatus") return;
      const u = m.msg.podStatus;
      for (const p of u.pods) {
        this.known.add(p.uid);
        if (containerRunning(p) && !this.runningAt.has(p.uid)) this.runningAt.set(p.uid, now);
      }
      for (const uid of u.removed) this.known.delete(uid);
      this.removedSeen += u.removed.length;
      if (u.full) markReady();
      for (const w of this.waiters) w();
    });
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "open", open: { nodeName, masterId: "bench", leaderEpoch: 1, heartbeatIntervalSeconds } } }));
  }

  /** Sends a DesiredPods message; returns performance.now() just before the write. */
  desired(pods: Pod[], full: boolean): number {
    const generation = ++this.generation;
    const msg = MasterMessage.fromPartial({ msg: { $case: "desiredPods", desiredPods: { generation, full, upsert: pods.map(podJson) } } });
    const t = performance.now();
    this.call.write(msg);
    return t;
  }

  /** Sends the node its NodeConfig (pod CIDR, ranges, routes), as the dispatcher does on connect. */
  nodeConfig(cfg: Partial<NodeConfig>): void {
    this.call.write(MasterMessage.fromPartial({ msg: { $case: "nodeConfig", nodeConfig: cfg } }));
  }

  /** Resolves once `cond` holds after some status update, or rejects after `timeoutMs`. */
  async until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on the session stream`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): void {
    this.call.end();
  }
}

function listStatus(client: AgentClient, uids: string[]): Promise<PodStatus[]> {
  return new Promise((resolve, reject) => client.listPodStatus({ uids }, (e, r) => (e ? reject(e) : resolve(r.pods))));
}

export interface Polled {
  /** Per uid, the performance.now() of the reply that first showed the pod running. */
  at: Map<string, number>;
  /** Pods seen as ContainerStatusUnknown on the way. */
  sawUnknown: Set<string>;
}

export interface BenchAgent {
  /** The test busybox image in the benchmark's registry. */
  busybox: string;
  dirs: AgentDirs;
  agent: AgentProcess;
  session: BenchSession;
}

/** A registry with the test images, a real agent process and an open Session to it, each
 *  undone by `cleanup`. */
export async function startBenchAgent(cleanup: CleanupStack, nodeName: string, agentOptions: object = {}): Promise<BenchAgent> {
  const registry = await startRegistry();
  cleanup.add("registry", () => registry.stop());
  await pushTestImages(registry.url);
  const dirs = await agentDirs();
  cleanup.add("agent directories, containers, mounts, cgroups", () => forceCleanup(dirs));
  const agent = await startAgent(dirs, { nodeName, ...agentOptions });
  cleanup.add("agent process", () => agent.stop());
  const session = new BenchSession(agent.client, nodeName);
  cleanup.add("session", async () => session.close());
  await session.ready;
  return { busybox: `${registry.host}/gantry-test/busybox:latest`, dirs, agent, session };
}

/** Polls ListPodStatus (only these uids) every `everyMs` until each pod's containers are all
 *  running. */
export async function pollRunning(client: AgentClient, uids: readonly string[], everyMs: number, timeoutMs: number): Promise<Polled> {
  const at = new Map<string, number>();
  const sawUnknown = new Set<string>();
  const pending = new Set(uids);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const pods = await listStatus(client, uids.length === 1 ? [...uids] : []);
    const now = performance.now();
    for (const p of pods) {
      if (!pending.has(p.uid)) continue;
      if (containerRunning(p)) {
        at.set(p.uid, now);
        pending.delete(p.uid);
      } else {
        if (unknownState(p)) sawUnknown.add(p.uid);
        const why = failure(p);
        if (why) throw new Error(`pod ${p.namespace}/${p.name}: ${why}`);
      }
    }
    if (pending.size === 0) return { at, sawUnknown };
    if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${pending.size} of ${uids.length} pods not running`);
    await sleep(everyMs);
  }
}

/** Pulls `image` onto the node through the agent's PullImage RPC (progress ignored). */
export function prePull(client: AgentClient, image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = client.pullImage(PullImageRequest.fromPartial({ image }));
    s.on("data", () => undefined);
    s.on("end", () => resolve());
    s.on("error", reject);
  });
}

/** Number of pods the agent reports, by ListPodStatus. */
export async function podCount(client: AgentClient): Promise<number> {
  return (await listStatus(client, [])).length;
}
