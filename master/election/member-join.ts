// `--join`: growing a running etcd cluster by one member without costing it quorum (README "HA").
//
// A voting member counts toward quorum from the moment MemberAdd returns, before it has even
// started: a one-member cluster that adds a second voter needs 2 of 2 until the new member runs
// and has caught up, so every write and every lease keepalive stalls that long. On a busy host
// that outlasts the leader master's renew deadline (7 s) and it loses leadership
// (`test/ha-join.test.ts` saw m2 take over). So the member joins as a raft *learner*: it
// replicates the log but counts toward no quorum. Once its etcd runs, `promoteToVoter` turns it
// into a voter; etcd refuses that ("learner … not in sync") until the learner has caught up, and
// we retry with back-off. etcd allows one learner at a time, so concurrent joins queue up.

import { ExponentialBackoff } from "cockatiel";
import { directClient } from "../store/direct-client";
import type { EtcdClientTls } from "../store/etcd-tls";
import { initialClusterFor } from "./ha-setup";

class NameTaken extends Error {}

/** Runs `attempt` until it returns a value, backing off after each error, until `timeoutMs` passes. */
async function retryUntil<T>(timeoutMs: number, attempt: () => Promise<T>, isFinal: (err: unknown) => boolean = () => false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let backoff = new ExponentialBackoff({ initialDelay: 200, maxDelay: 2000 }).next();
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (isFinal(err) || Date.now() + backoff.duration > deadline) throw err;
      await new Promise((r) => setTimeout(r, backoff.duration));
      backoff = backoff.next(undefined);
    }
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Adds this member to the running cluster reachable at `endpoints` as a learner (MemberAdd), or
 * finds it there from an earlier attempt that did not get to start it, and returns the
 * initial-cluster value to start it with (state "existing"). Retried until `timeoutMs`: etcd
 * refuses a second learner while one is still catching up, and members may be briefly down.
 */
export async function joinCluster(endpoints: string[], self: { name: string; peerUrl: string }, tls: EtcdClientTls | undefined, timeoutMs = 120_000): Promise<string> {
  const client = directClient(endpoints, tls);
  try {
    return await retryUntil(
      timeoutMs,
      async () => {
        const { members } = await client.cluster.memberList({});
        const clash = members.find((m) => m.name === self.name && !m.peerURLs.includes(self.peerUrl));
        if (clash) throw new NameTaken(`the cluster already has a member named "${self.name}" (peer ${clash.peerURLs.join(",")}); pick another --name`);
        if (members.some((m) => m.peerURLs.includes(self.peerUrl))) return initialClusterFor(members, self);
        const added = await client.cluster.memberAdd({ peerURLs: [self.peerUrl], isLearner: true });
        return initialClusterFor(added.members, self);
      },
      (err) => err instanceof NameTaken,
    );
  } catch (err) {
    throw new Error(`joining the etcd cluster at ${endpoints.join(",")} failed: ${reason(err)}`);
  } finally {
    client.close();
  }
}

/**
 * True when the member serving `clientUrl` is a learner. Asks the member itself (Status is one of
 * the few calls a learner answers), so a restarted voter needs no other member to be up.
 */
export async function memberIsLearner(clientUrl: string, tls: EtcdClientTls | undefined): Promise<boolean> {
  const client = directClient([clientUrl], tls);
  try {
    return (await client.maintenance.status()).isLearner;
  } finally {
    client.close();
  }
}

/**
 * Makes the member at `peerUrl` a voter: MemberPromote through the voting members at
 * `endpoints`, retried until etcd finds the learner caught up, or `timeoutMs` passes. Returns
 * "voter" when it already was one (a restart, or a promotion that answered too late).
 */
export async function promoteToVoter(endpoints: string[], peerUrl: string, tls: EtcdClientTls | undefined, timeoutMs = 300_000): Promise<"promoted" | "voter"> {
  const client = directClient(endpoints, tls);
  try {
    return await retryUntil(timeoutMs, async () => {
      const { members } = await client.cluster.memberList({});
      const self = members.find((m) => m.peerURLs.includes(peerUrl));
      if (!self) throw new Error(`no member with peer URL ${peerUrl} (was it removed?)`);
      if (!self.isLearner) return "voter";
      await client.cluster.memberPromote({ ID: self.ID });
      return "promoted";
    });
  } catch (err) {
    throw new Error(`promoting etcd member ${peerUrl} to a voter through ${endpoints.join(",")} failed: ${reason(err)}`);
  } finally {
    client.close();
  }
}
