// Keeps etcd's raft leader off the member of the master that leads (a leader component). When
// both roles sit on one master, a kill of that master costs a raft election first, and then the
// new raft leader extends every lease by an election timeout plus its whole TTL (etcd's lessor
// promotion), so the dead leader's key outlives it by 3+ s more than its TTL: with a 2 s lease,
// takeovers of 4.5–6 s instead of 2–3 s (bench/failover.ts). With the roles apart, losing either
// master costs only its own recovery.
//
// While leading: at the start of the term and every CHECK_INTERVAL_MS, if this master's member
// (the member named like the master, see README) is the raft leader, ask it to hand raft
// leadership to another started voting member that answers (etcd MoveLeader, what `etcdctl
// move-leader` does). It writes nothing; a failed try is logged and tried again later.

import type { Etcd3, IMember } from "etcd3";
import type { LeaderComponent } from "../component";
import type { Logger } from "../log";
import { directClient } from "../store/direct-client";
import type { EtcdClientTls } from "../store/etcd-tls";
import { answersStatus } from "./member-remove";

const CHECK_INTERVAL_MS = 10_000;
const CALL_TIMEOUT_MS = 3000;

/**
 * The members to hand raft leadership to, best first, when the member named `ownName` is the raft
 * leader `raftLeaderId`; empty otherwise. Only started voters: a learner cannot lead, and a member
 * that has not started has no name and no client URL yet.
 */
export function raftLeaderTargets(members: readonly IMember[], raftLeaderId: string, ownName: string): IMember[] {
  const own = members.find((m) => m.name === ownName);
  if (!own || own.ID !== raftLeaderId) return [];
  return members.filter((m) => m.ID !== own.ID && !m.isLearner && m.name !== "" && m.clientURLs.length > 0).sort((a, b) => a.name.localeCompare(b.name));
}

export class RaftLeaderMover implements LeaderComponent {
  readonly name = "raft-leader-mover";
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly etcd: Etcd3,
    private readonly ownName: string,
    private readonly tls: EtcdClientTls | undefined,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    this.stopped = false;
    // In the background: starting the other components must not wait for etcd's raft.
    this.check();
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
  }

  private check(): void {
    if (this.checking || this.stopped) return;
    this.checking = this.moveIfLeading()
      .catch((err: unknown) => this.log.warn({ err }, "could not move etcd's raft leadership off this master's member; trying again later"))
      .finally(() => (this.checking = undefined));
  }

  /** Moves raft leadership away if our member has it; resolves with nothing to do otherwise. */
  async moveIfLeading(): Promise<void> {
    const { members } = await this.etcd.cluster.memberList({});
    const own = members.find((m) => m.name === this.ownName);
    // A single master has nowhere to move it.
    if (!own || own.clientURLs.length === 0 || members.length < 2) return;
    const ownClient = directClient(own.clientURLs, this.tls, CALL_TIMEOUT_MS);
    try {
      const status = await ownClient.maintenance.status();
      for (const target of raftLeaderTargets(members, status.leader, this.ownName)) {
        if (this.stopped || !(await answersStatus(target.clientURLs, this.tls, CALL_TIMEOUT_MS))) continue;
        await ownClient.maintenance.moveLeader({ targetID: target.ID });
        this.log.info({ from: own.name, to: target.name }, "moved etcd's raft leadership off this master's member");
        return;
      }
    } finally {
      ownClient.close();
    }
  }

}
