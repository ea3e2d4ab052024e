// Taking a master's etcd member out of the cluster (`gantry reset`, kubeadm's "remove the etcd
// member" step). MemberRemove changes the voting membership, so it is refused when the members
// left behind could not form a quorum: a 3-member cluster with one member already down cannot
// lose another without becoming read-only for good (etcd counts the dead member until it is
// removed too). `force` removes anyway.

import type { IMember } from "etcd3";
import { directClient } from "../store/direct-client";
import type { EtcdClientTls } from "../store/etcd-tls";

export interface RemovalPlan {
  /** The member with `peerUrl`; undefined when the cluster does not list it (already removed). */
  self?: IMember;
  /** Every member, this one included. */
  members: IMember[];
  /** Voting members that answered a Status call. */
  healthy: string[];
}

/**
 * Why removing `plan.self` would cost the rest of the cluster its quorum, or undefined when it is
 * safe (pure). A member alone in its cluster takes the cluster with it: nothing is left to lose.
 */
export function removalProblem(plan: RemovalPlan): string | undefined {
  const self = plan.self;
  if (!self || plan.members.length === 1) return undefined;
  const voters = plan.members.filter((m) => !m.isLearner && m.ID !== self.ID);
  const quorum = Math.floor(voters.length / 2) + 1;
  const reachable = voters.filter((m) => plan.healthy.includes(m.ID));
  if (reachable.length >= quorum) return undefined;
  const down = voters.filter((m) => !plan.healthy.includes(m.ID)).map((m) => m.name || m.peerURLs.join(","));
  return `removing etcd member "${self.name}" would leave ${voters.length} voting member(s) of which ${reachable.length} answer (${down.join(", ")} do not), below their quorum of ${quorum}: the cluster could not write any more. Bring the others back (or remove the dead ones) first, or pass --force`;
}

/** Lists the members through `endpoints` and asks each voter other than `peerUrl`'s for its Status. */
export async function planRemoval(endpoints: string[], peerUrl: string, tls: EtcdClientTls | undefined): Promise<RemovalPlan> {
  const client = directClient(endpoints, tls, 5_000);
  try {
    const { members } = await client.cluster.memberList({});
    const self = members.find((m) => m.peerURLs.includes(peerUrl));
    const others = members.filter((m) => m !== self && !m.isLearner && m.clientURLs.length > 0);
    const answers = await Promise.all(others.map(async (m) => ((await answersStatus(m.clientURLs, tls)) ? m.ID : undefined)));
    return { self, members, healthy: answers.filter((id) => id !== undefined) };
  } finally {
    client.close();
  }
}

/**
 * MemberRemove of `self`, asked of the other members (the removed one stops serving at once).
 * etcd itself refuses ("unhealthy cluster") while the members that would be left have been
 * connected for less than 5 s (its own quorum guard); that is waited out, up to `timeoutMs`.
 */
export async function removeMember(plan: RemovalPlan, tls: EtcdClientTls | undefined, timeoutMs = 20_000): Promise<void> {
  const self = plan.self;
  if (!self) return;
  const endpoints = plan.members.filter((m) => m !== self).flatMap((m) => m.clientURLs);
  const client = directClient(endpoints.length > 0 ? endpoints : self.clientURLs, tls, 15_000);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.cluster.memberRemove({ ID: self.ID });
        return;
      } catch (err) {
        if (!(err instanceof Error && /unhealthy cluster/.test(err.message)) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    client.close();
  }
}

async function answersStatus(urls: string[], tls: EtcdClientTls | undefined): Promise<boolean> {
  const client = directClient(urls, tls, 3_000);
  try {
    await client.maintenance.status();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
