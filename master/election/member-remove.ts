// Taking a master's etcd member out of the cluster (`gantry reset`, kubeadm's "remove the etcd
// member" step). MemberRemove changes the voting membership, so it is refused when the members
// left behind could not form a quorum: a 3-member cluster with one member already down cannot
// lose another without becoming read-only for good (etcd counts the dead member until it is
// removed too). `force` removes anyway.

import type { Etcd3, IMember } from "etcd3";
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

/**
 * Lists the members through the first of `endpoints` that answers and asks each voter other than
 * `peerUrl`'s for its Status. Endpoints are tried one by one: given several, the etcd client
 * would pick one at random, and the member being reset is often the one that is down.
 */
export async function planRemoval(endpoints: string[], peerUrl: string, tls: EtcdClientTls | undefined): Promise<RemovalPlan> {
  const { members } = await onFirstAnswering(endpoints, tls, 5_000, (client) => client.cluster.memberList({}));
  const self = members.find((m) => m.peerURLs.includes(peerUrl));
  const others = members.filter((m) => m !== self && !m.isLearner && m.clientURLs.length > 0);
  const answers = await Promise.all(others.map(async (m) => ((await answersStatus(m.clientURLs, tls)) ? m.ID : undefined)));
  return { self, members, healthy: answers.filter((id) => id !== undefined) };
}

/**
 * MemberRemove of `self`, asked of the other members (the removed one stops serving at once).
 * etcd itself refuses ("unhealthy cluster") while the members that would be left have been
 * connected for less than 5 s (its own quorum guard); that is waited out, up to `timeoutMs`.
 */
export async function removeMember(plan: RemovalPlan, tls: EtcdClientTls | undefined, timeoutMs = 20_000): Promise<void> {
  const self = plan.self;
  if (!self) return;
  // The healthy members first: a dead one's URL would only cost a refused connection.
  const others = plan.members.filter((m) => m !== self);
  const ordered = [...others.filter((m) => plan.healthy.includes(m.ID)), ...others.filter((m) => !plan.healthy.includes(m.ID))];
  const endpoints = ordered.flatMap((m) => m.clientURLs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await onFirstAnswering(endpoints.length > 0 ? endpoints : self.clientURLs, tls, 15_000, (client) => client.cluster.memberRemove({ ID: self.ID }));
      return;
    } catch (err) {
      if (!(err instanceof Error && /unhealthy cluster/.test(err.message)) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * `call` on each endpoint in turn until one is reached; an answer that is an etcd error (not a
 * failure to connect) is final. Throws the last connection error when none is reached.
 */
async function onFirstAnswering<T>(endpoints: string[], tls: EtcdClientTls | undefined, timeoutMs: number, call: (client: Etcd3) => Promise<T>): Promise<T> {
  let last: unknown = new Error("no etcd endpoint given");
  for (const endpoint of endpoints) {
    const client = directClient([endpoint], tls, timeoutMs);
    try {
      return await call(client);
    } catch (err) {
      if (!unreachable(err)) throw err;
      last = err;
    } finally {
      client.close();
    }
  }
  throw last;
}

/** gRPC UNAVAILABLE or DEADLINE_EXCEEDED: the member was not reached (refused, down, cut off). */
function unreachable(err: unknown): boolean {
  return err instanceof Error && /^(14 UNAVAILABLE|4 DEADLINE_EXCEEDED)|No connection established|ECONNREFUSED/.test(err.message);
}

/** Whether a member at `urls` answers a Status call within `timeoutMs`. */
export async function answersStatus(urls: string[], tls: EtcdClientTls | undefined, timeoutMs = 3_000): Promise<boolean> {
  const client = directClient(urls, tls, timeoutMs);
  try {
    await client.maintenance.status();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
