// The agent's pods: one PodWorker (state machine + executor) per pod uid, driven by the desired
// set, the relister (exit events, a slow full relist) and the executors' results; statuses and events go to the reporter.
//
// Start-up (restart safety):
//   1. the persisted desired set is loaded (desired/persist.ts), so the agent carries on
//      before any master reconnects;
//   2. the runtime's containers are listed and grouped by their pod-uid label; each desired
//      pod's worker adopts its containers (running ones keep running, same id and pid);
//   3. pods that have containers, a network attachment, a network namespace or a pod directory
//      but are not desired get a worker that only removes them (containers, network, mounts,
//      namespace, directory).

import { promises as fs } from "node:fs";
import type { Pod, PodStatus } from "kubernetes-types/core/v1";
import { netnsName, type PodNetworks } from "../netns/pod-network";
import type { ContainerRuntime } from "../runtime/types";
import { DesiredSet, type AcceptedPod, type ApplyResult, type DesiredPodsUpdate } from "./desired/desired-set";
import type { DesiredStore } from "./desired/persist";
import { PodExecutor, type ExecutorDeps } from "./executor";
import { Label } from "./labels";
import type { AgentMetrics, ContainerStateLabel } from "./metrics/agent-metrics";
import { PodWorker } from "./pod-worker/runner";
import type { ObservedContainer, WorkerAction, WorkerInput } from "./pod-worker/types";
import { groupByPod, Relister } from "./relist";
import type { StatusReporter } from "./status/reporter";

export interface PodManagerDeps extends Omit<ExecutorDeps, "volumeData"> {
  runtime: ContainerRuntime;
  networks: PodNetworks;
  reporter: StatusReporter;
  store: DesiredStore;
  podsDir: string;
  hostIP: string;
  metrics?: AgentMetrics;
  error(msg: string, err?: unknown): void;
}

interface Slot {
  worker: PodWorker;
  executor: PodExecutor;
  resourceVersion: string;
  /** kubelet_pod_start_duration_seconds was observed (or does not apply: an adopted pod). */
  startCounted: boolean;
}

type IoAction = Parameters<PodExecutor["perform"]>[0];

/** The sandbox and image steps as the kubelet's runtime_operations name them (containers are
 *  timed by the runtime itself, metrics/metered-runtime.ts). */
const OPERATION_OF: Partial<Record<IoAction["kind"], string>> = {
  createSandbox: "run_podsandbox",
  teardownSandbox: "remove_podsandbox",
  inspectImage: "image_status",
  pullImage: "pull_image",
};

export class PodManager {
  readonly desired = new DesiredSet();
  leaderEpoch = 0;
  private slots = new Map<string, Slot>();
  private relister: Relister;

  constructor(private readonly deps: PodManagerDeps) {
    this.relister = new Relister(
      deps.runtime,
      {
        uids: () => this.slots.keys(),
        observed: (uid, containers, at, partial) => this.slots.get(uid)?.worker.input({ kind: "observed", containers, at, partial }),
      },
      (err) => deps.error("listing runtime containers failed", err),
    );
  }

  async start(): Promise<void> {
    const saved = await this.deps.store.load();
    if (saved) {
      this.leaderEpoch = saved.leaderEpoch;
      const r = this.desired.apply({ generation: saved.generation, full: true, upsert: saved.pods, remove: [], volumeData: saved.volumeData });
      for (const x of r.rejected) this.deps.error(`persisted pod ${x.uid} is unusable: ${x.message}`);
    }
    // Exits are watched before the first list, so none falls between the two.
    await this.relister.watch();
    const byPod = await groupByPod(await this.deps.runtime.list());
    for (const p of this.desired.pods.values()) this.startWorker(p, byPod.get(p.uid) ?? []);

    // Leftovers of pods no longer desired: by container labels, namespace files and pod dirs.
    const orphans = new Map<string, Pod>();
    for (const s of await this.deps.runtime.list()) {
      const uid = s.labels[Label.podUid];
      if (!uid || this.slots.has(uid)) continue;
      const grace = Number(s.labels[Label.podGracePeriod]);
      const known = orphans.get(uid)?.spec?.terminationGracePeriodSeconds;
      orphans.set(uid, orphanPod(uid, s.labels[Label.podNamespace] ?? "", s.labels[Label.podName] ?? "", Number.isFinite(grace) ? Math.max(grace, known ?? 0) : (known ?? 30)));
    }
    const leftovers = [...(await fs.readdir(this.deps.podsDir).catch(() => [] as string[])), ...(await this.deps.networks.attachedPods())];
    for (const uid of leftovers) {
      if (!this.slots.has(uid) && !orphans.has(uid)) orphans.set(uid, orphanPod(uid, "", "", 30));
    }
    for (const [uid, pod] of orphans) this.startOrphanRemoval(pod, byPod.get(uid) ?? []);
    const known = new Set(this.slots.keys());
    for (const name of await this.deps.networks.list()) {
      if (![...known].some((uid) => name === netnsName(uid))) {
        await this.deps.networks.removeByName(name).catch((err) => this.deps.error(`removing stale network namespace ${name} failed`, err));
      }
    }
    this.relister.start();
  }

  stop(): void {
    this.relister.stop();
    for (const s of this.slots.values()) s.worker.stop();
  }

  apply(update: DesiredPodsUpdate): ApplyResult {
    const r = this.desired.apply(update);
    for (const p of r.upserted) {
      const slot = this.slots.get(p.uid);
      if (slot) {
        slot.resourceVersion = p.resourceVersion;
        slot.worker.input({ kind: "desired", pod: p.pod });
      } else this.startWorker(p, []);
    }
    for (const uid of r.removed) this.slots.get(uid)?.worker.input({ kind: "remove" });
    void this.persist();
    return r;
  }

  persist(): Promise<void> {
    return this.deps.store
      .save({
        generation: this.desired.generation,
        leaderEpoch: this.leaderEpoch,
        pods: [...this.desired.pods.values()].map(({ pod: _pod, ...entry }) => entry),
        volumeData: this.desired.volumeData(),
      })
      .catch((err) => this.deps.error("saving the desired state failed", err));
  }

  /** Rewrites token volumes whose tokens are due (agent.ts calls this every second); pods with
   *  nothing due cost one look at their volumes. */
  refreshTokens(): void {
    const tokens = this.deps.sandboxEnv.tokens;
    if (!tokens) return;
    for (const s of this.slots.values()) if (tokens.due(s.worker.pod)) void s.executor.refreshTokens();
  }

  /** The node's pod network became ready: pods waiting for it try again now. */
  networkReady(): void {
    for (const s of this.slots.values()) s.worker.input({ kind: "networkReady" });
  }

  workers(): PodWorker[] {
    return [...this.slots.values()].map((s) => s.worker);
  }

  find(uid: string): { worker: PodWorker; executor: PodExecutor } | undefined {
    return this.slots.get(uid);
  }

  runningPods(): number {
    return [...this.slots.values()].filter((s) => s.worker.state.sandbox.state === "ready" && !s.worker.state.terminalPhase).length;
  }

  /** Every container instance the workers know, by state (kubelet_running_containers). */
  containersByState(): Partial<Record<ContainerStateLabel, number>> {
    const counts: Partial<Record<ContainerStateLabel, number>> = {};
    for (const { worker } of this.slots.values()) {
      const st = worker.state;
      const instances = [...st.strays, ...Object.values(st.containers).flatMap((r) => [r.current, r.previous])];
      for (const inst of instances) if (inst) counts[inst.phase] = (counts[inst.phase] ?? 0) + 1;
    }
    return counts;
  }

  private startWorker(p: AcceptedPod, adopt: ObservedContainer[]): void {
    this.spawn(p.pod, p.resourceVersion, adopt);
  }

  /** Performs an action, timing the sandbox and image steps for the metrics. */
  private async perform(executor: PodExecutor, action: IoAction): Promise<WorkerInput | undefined> {
    const metrics = this.deps.metrics;
    const operation = OPERATION_OF[action.kind];
    if (!metrics || !operation) return executor.perform(action);
    const started = performance.now();
    const result = await executor.perform(action);
    const seconds = (performance.now() - started) / 1000;
    const failed = result?.kind === "sandboxFailed" || (result?.kind === "imagePulled" && !result.result.ok);
    metrics.operation(operation, seconds, failed);
    if (result?.kind === "imagePulled") metrics.imagePulled(result.result.ok, seconds);
    return result;
  }

  /** kubelet_pod_start_duration_seconds: from the worker's start to the first Running status. */
  private countStart(slot: Slot | undefined, status: PodStatus): void {
    if (!slot || slot.startCounted || status.phase !== "Running") return;
    slot.startCounted = true;
    this.deps.metrics?.podStarted((this.deps.now() - slot.worker.state.startTime) / 1000);
  }

  private startOrphanRemoval(pod: Pod, adopt: ObservedContainer[]): void {
    const slot = this.spawn(pod, "", adopt);
    slot.worker.input({ kind: "remove" });
  }

  private spawn(pod: Pod, resourceVersion: string, adopt: ObservedContainer[]): Slot {
    const uid = pod.metadata?.uid ?? "";
    const d = this.deps;
    let slot: Slot | undefined = undefined;
    const executor = new PodExecutor({ ...d, volumeData: this.desired }, () => slot?.worker.pod ?? pod);
    const meta = () => slot?.worker.state ?? { uid, namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" };
    const worker = new PodWorker(
      pod,
      { hostIP: d.hostIP },
      {
        perform: (a) => this.perform(executor, a),
        publish: (status: PodStatus, containersStopped: boolean) => {
          const m = meta();
          if (!m.name) return; // leftovers known only by uid: nothing a master could match
          this.countStart(slot, status);
          d.reporter.update({ uid, namespace: m.namespace, name: m.name, status, containersStopped, observedResourceVersion: slot?.resourceVersion ?? resourceVersion });
        },
        event: (e: Extract<WorkerAction, { kind: "event" }>) => {
          const m = meta();
          d.reporter.event({ podUid: uid, podNamespace: m.namespace, podName: m.name, container: e.container, type: e.type, reason: e.reason, message: e.message });
        },
        finished: () => {
          this.slots.delete(uid);
          d.sandboxEnv.tokens?.forget(uid);
          d.reporter.removed(uid);
        },
        now: d.now,
        error: (msg, err) => d.error(msg, err),
      },
      adopt,
    );
    // An adopted pod started before this agent did: its start was seen (or not) by an earlier one.
    slot = { worker, executor, resourceVersion, startCounted: adopt.length > 0 };
    // The constructor already stepped the machine; a pod that finished at once is not kept.
    if (!worker.state.finished) this.slots.set(uid, slot);
    return slot;
  }
}

/** A stand-in for a pod the agent must remove but no longer has the spec of (its grace period
 *  comes from the containers' labels). Marked as being deleted so its worker never creates a
 *  sandbox or containers for it. */
function orphanPod(uid: string, namespace: string, name: string, graceSeconds: number): Pod {
  return {
    metadata: { uid, namespace, name, deletionTimestamp: new Date(0).toISOString() },
    spec: { containers: [], terminationGracePeriodSeconds: graceSeconds },
  };
}
