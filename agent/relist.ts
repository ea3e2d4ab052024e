// The agent's PLEG: every second, list the runtime's containers and hand each pod worker the
// containers that carry its uid, so exits, OOM kills and vanished containers reach the state
// machines even though the runtime has no event stream. Unchanged pods are not bothered.

import type { ContainerRuntime, ContainerState } from "../runtime/types";
import { Label, observedFrom } from "./labels";
import type { ObservedContainer } from "./pod-worker/types";
import { terminationMessage } from "./termination-message";

export interface RelistTarget {
  observed(uid: string, containers: ObservedContainer[], at: number): void;
  uids(): Iterable<string>;
}

export class Relister {
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, string>();
  private messages = new Map<string, string>();
  private running = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly target: RelistTarget,
    private readonly onError: (err: unknown) => void,
    private readonly periodMs = 1000,
  ) {}

  start(): void {
    const loop = async () => {
      await this.relist().catch(this.onError);
      if (this.timer !== undefined) this.timer = setTimeout(loop, this.periodMs);
    };
    this.timer = setTimeout(loop, this.periodMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass; also used right after start-up. */
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
        this.target.observed(uid, containers, at);
      }
      const live = new Set(this.target.uids());
      for (const uid of [...this.last.keys()]) if (!live.has(uid)) this.last.delete(uid);
    } finally {
      this.running = false;
    }
  }
}

/** Our containers by pod uid; exited ones with their termination message (read once per id). */
export async function groupByPod(states: ContainerState[], messages = new Map<string, string>()): Promise<Map<string, ObservedContainer[]>> {
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
  for (const id of [...messages.keys()]) if (!seen.has(id)) messages.delete(id);
  return out;
}
