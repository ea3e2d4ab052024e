// The agent's PLEG. Exits arrive as events from the runtime (conmon's exit files watched with
// inotify, runtime/runc/exit-watcher.ts): only the exited container's state is read, and its pod's
// worker gets it as a partial observation — no `runc` spawn, nothing done for the other pods. A
// full relist (runtime.list(): `runc list` plus every container's files) is the level-triggered
// safety net for what sends no event — a container removed behind the agent's back, a conmon
// killed before it wrote the exit file — and runs every `resyncMs` (2 min). A runtime without exit
// events is relisted every `pollMs` (1 s) instead. Unchanged pods are not bothered.
//
// Start-up order (pod-manager.ts): watch() subscribes before the agent's first list, so an exit
// between that list and the subscription cannot be missed; events that come before start() wait
// for it (the workers they are for may not exist yet).

import { RuntimeError, type ContainerRuntime, type ContainerState } from "../runtime/types";
import { Label, observedFrom } from "./labels";
import type { ObservedContainer } from "./pod-worker/types";
import { terminationMessage } from "./termination-message";

export interface RelistTarget {
  /** `partial`: only these containers of the pod were looked at; the others are not gone. */
  observed(uid: string, containers: ObservedContainer[], at: number, partial: boolean): void;
  uids(): Iterable<string>;
}

export interface RelistOptions {
  /** Full relist period when the runtime sends exit events. Default 2 min. */
  resyncMs?: number;
  /** Full relist period when it does not. Default 1 s. */
  pollMs?: number;
}

export const RESYNC_MS = 120_000;
export const POLL_MS = 1000;

export class Relister {
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, string>();
  private messages = new Map<string, string>();
  private running = false;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private readonly exited = new Set<string>();
  private exitsQueued = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly target: RelistTarget,
    private readonly onError: (err: unknown) => void,
    private readonly options: RelistOptions = {},
  ) {}

  /** Subscribes to the runtime's exit events (when it has them). Call before the first list. */
  async watch(): Promise<void> {
    if (!this.runtime.watchExits || this.unsubscribe) return;
    try {
      this.unsubscribe = await this.runtime.watchExits((id) => this.onExit(id));
    } catch (err) {
      this.onError(err); // relisted every pollMs instead
    }
  }

  /** Starts the periodic full relist and the handling of exit events. */
  start(): void {
    this.started = true;
    const periodMs = this.unsubscribe ? (this.options.resyncMs ?? RESYNC_MS) : (this.options.pollMs ?? POLL_MS);
    const loop = async () => {
      await this.relist().catch(this.onError);
      if (this.timer !== undefined) this.timer = setTimeout(loop, periodMs);
    };
    this.timer = setTimeout(loop, periodMs);
    this.scheduleExits();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.started = false;
  }

  /** One full pass; also used right after start-up. */
  async relist(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const at = Date.now();
      const byPod = await groupByPod(await this.runtime.list(), this.messages);
      for (const uid of this.target.uids()) {
        const containers = byPod.get(uid) ?? [];
        const key = JSON.stringify(containers);
        if (this.last.get(uid) === key) continue;
        this.last.set(uid, key);
        this.target.observed(uid, containers, at, false);
      }
      const live = new Set(this.target.uids());
      for (const uid of [...this.last.keys()]) if (!live.has(uid)) this.last.delete(uid);
    } finally {
      this.running = false;
    }
  }

  private onExit(id: string): void {
    this.exited.add(id);
    this.scheduleExits();
  }

  /** Exits that come together (a pod's containers killed at once) are read in one go. */
  private scheduleExits(): void {
    if (!this.started || this.exitsQueued || this.exited.size === 0) return;
    this.exitsQueued = true;
    setImmediate(() => {
      this.exitsQueued = false;
      this.readExits().catch(this.onError);
    });
  }

  /** The exited containers' states alone, to their pods' workers. */
  private async readExits(): Promise<void> {
    const ids = [...this.exited];
    this.exited.clear();
    const at = Date.now();
    const states: ContainerState[] = [];
    for (const id of ids) {
      try {
        states.push(await this.runtime.state(id));
      } catch (err) {
        if (!(err instanceof RuntimeError && err.code === "NotFound")) this.onError(err); // NotFound: removed meanwhile
      }
    }
    const byPod = await groupByPod(states, this.messages, false);
    for (const [uid, containers] of byPod) this.target.observed(uid, containers, at, true);
  }
}

/**
 * Our containers by pod uid; exited ones with their termination message (read once per id).
 * `complete`: `states` is every container, so cached messages of ids not among them are dropped.
 */
export async function groupByPod(states: ContainerState[], messages = new Map<string, string>(), complete = true): Promise<Map<string, ObservedContainer[]>> {
  const out = new Map<string, ObservedContainer[]>();
  const seen = new Set<string>();
  for (const s of states) {
    const uid = s.labels[Label.podUid];
    if (!uid) continue;
    seen.add(s.id);
    let message: string | undefined;
    if (s.status === "exited") {
      if (!messages.has(s.id)) messages.set(s.id, await terminationMessage(s));
      message = messages.get(s.id);
    }
    const o = observedFrom(s, message);
    if (o) out.set(uid, [...(out.get(uid) ?? []), o]);
  }
  if (complete) for (const id of [...messages.keys()]) if (!seen.has(id)) messages.delete(id);
  return out;
}
