// LeaderElection against a real etcd member: two candidates, one leads; cutting the leader off
// from etcd makes the other lead within the TTL, and the old leader's components have stopped
// before the new leader's start. Timestamps come from one monotonic clock.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiContext } from "../registry/context";
import { ensureSystemNamespaces } from "../bootstrap";
import type { LeaderComponent } from "../component";
import { createLogger } from "../log";
import { EtcdStore } from "../store/etcd-store";
import { startTestEtcd, type TestEtcd } from "../store/testing";
import { ComponentRunner } from "./component-runner";
import { EtcdElectionBackend, LEADER_KEY, type ElectionBackend } from "./etcd-backend";
import { LeaderElection } from "./election";
import { LEASE_NAME, LEASE_NAMESPACE, LeaseObjectPublisher } from "./lease-object";
import { timingForTtl } from "./machine";

const TTL_SECONDS = 4; // renew every 1.2 s, step down 2.8 s after the last good keepalive
const timing = timingForTtl(TTL_SECONDS);
const log = createLogger("election-test", "silent");
const now = () => performance.now();

let env: TestEtcd;
const stores: EtcdStore[] = [];
before(async () => {
  env = await startTestEtcd();
});
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await env?.stop();
});

/** Cuts this candidate off from etcd's KV and lease calls, as a network partition would. */
class PartitionableBackend implements ElectionBackend {
  cut = false;
  constructor(private readonly inner: ElectionBackend) {}
  campaign(identity: string, ttl: number, revokeStale?: string) {
    return this.cut ? Promise.resolve({ result: "failed" as const, error: "partitioned by the test" }) : this.inner.campaign(identity, ttl, revokeStale);
  }
  renew(leaseId: string, timeoutMs: number) {
    return this.cut ? Promise.resolve({ result: "failed" as const, error: "partitioned by the test" }) : this.inner.renew(leaseId, timeoutMs);
  }
  release(leaseId: string) {
    return this.cut ? Promise.reject(new Error("partitioned by the test")) : this.inner.release(leaseId);
  }
  watch(...args: Parameters<ElectionBackend["watch"]>) {
    return this.inner.watch(...args);
  }
}

interface Span {
  who: string;
  epoch: number;
  startedAt: number;
  stoppedAt?: number;
}

/** A candidate with one component that records when it runs. */
async function candidate(identity: string, spans: Span[]) {
  const store = new EtcdStore({ endpoints: [env.endpoint] });
  stores.push(store);
  const ctx = new ApiContext(store);
  await ensureSystemNamespaces(ctx);
  await ctx.namespaces.start();
  const backend = new PartitionableBackend(new EtcdElectionBackend(store.client, now));
  let current: Span | undefined;
  const component: LeaderComponent = {
    name: "recorder",
    async start() {
      current = { who: identity, epoch: election.epoch()!, startedAt: now() };
      spans.push(current);
    },
    async stop() {
      current!.stoppedAt = now();
      current = undefined;
    },
  };
  const runner = new ComponentRunner([component], log);
  const publisher = new LeaseObjectPublisher(ctx, identity, TTL_SECONDS, (epoch) => election.epoch() === epoch, log);
  const election: LeaderElection = new LeaderElection({ identity, backend, handler: runner, publish: (e, a) => publisher.publish(e, a), timing, clock: now, log });
  return {
    election,
    backend,
    ctx,
    async stop() {
      await election.stop();
      await ctx.namespaces.stop();
    },
  };
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out after ${timeoutMs}ms waiting for ${what}`);
}

async function leaseHolder(ctx: ApiContext): Promise<{ holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number } | undefined> {
  try {
    const lease = await ctx.storeOf("coordination.k8s.io", "v1", "leases").get(LEASE_NAMESPACE, LEASE_NAME);
    return lease.spec as { holderIdentity?: string; leaseTransitions?: number };
  } catch {
    return undefined;
  }
}

test("two candidates: one leads; a partitioned leader stops its components before the other starts, within the TTL", async (t) => {
  const spans: Span[] = [];
  const a = await candidate("a", spans);
  const b = await candidate("b", spans);
  try {
    await a.election.start();
    assert.equal(a.election.status().phase, "leading", "the first candidate wins at once");
    await b.election.start();
    assert.equal(b.election.status().phase, "following");
    assert.equal(b.election.status().leader?.identity, "a");
    const epochA = a.election.epoch()!;
    assert.ok(epochA > 0);
    assert.equal(b.election.epoch(), undefined);
    assert.deepEqual(spans.map((s) => s.who), ["a"]);
    await waitFor("the Lease object to name a", async () => (await leaseHolder(a.ctx))?.holderIdentity === "a", 5000);

    // Let a few keepalives succeed, then cut a off: its lease is not renewed any more.
    await new Promise((r) => setTimeout(r, 2 * timing.renewIntervalMs));
    assert.equal(a.election.status().phase, "leading");
    const termA = a.election.currentTerm()!;
    const cutAt = now();
    a.backend.cut = true;

    await waitFor("b to lead", () => b.election.status().phase === "leading", TTL_SECONDS * 1000 + 3000);
    const takeover = now() - cutAt;
    t.diagnostic(`cut → b leads: ${takeover.toFixed(0)}ms; a stopped ${(spans[0].stoppedAt! - cutAt).toFixed(0)}ms after the cut, b started ${(spans[1].startedAt - spans[0].stoppedAt!).toFixed(0)}ms after that (TTL ${TTL_SECONDS}s)`);
    const [spanA, spanB] = spans;
    assert.equal(spans.length, 2);
    assert.equal(spanB.who, "b");
    assert.ok(spanA.stoppedAt !== undefined, "a's component was stopped");
    assert.ok(termA.signal.aborted, "a's term signal fired");
    assert.ok(spanA.stoppedAt < spanB.startedAt, `a stopped at ${spanA.stoppedAt.toFixed(0)}, b started at ${spanB.startedAt.toFixed(0)}`);
    // a stepped down at its renew deadline, which is before the cut plus the deadline.
    assert.ok(spanA.stoppedAt - cutAt <= timing.renewDeadlineMs + 200, `a stepped down ${spanA.stoppedAt - cutAt}ms after the cut`);
    assert.ok(takeover <= TTL_SECONDS * 1000 + 1500, `takeover took ${takeover}ms`);
    assert.ok(spanB.epoch > spanA.epoch, "epochs increase");
    assert.equal(a.election.epoch(), undefined);
    assert.equal(a.election.status().isLeader, false);
    await waitFor("the Lease object to name b", async () => (await leaseHolder(b.ctx))?.holderIdentity === "b", 5000);
    const lease = await leaseHolder(b.ctx);
    assert.equal(lease?.leaseTransitions, 1);
    assert.equal(lease?.leaseDurationSeconds, TTL_SECONDS);

    // Healed, a follows b and does not lead again.
    a.backend.cut = false;
    await waitFor("a to see b lead", () => a.election.status().leader?.identity === "b" && a.election.status().phase === "following", 5000);
    await new Promise((r) => setTimeout(r, timing.renewDeadlineMs));
    assert.equal(b.election.status().phase, "leading");
    assert.equal(spans.length, 2);

    // A graceful stop revokes the lease: a takes over at once instead of after the TTL.
    const stopAt = now();
    await b.stop();
    await waitFor("a to lead again", () => a.election.status().phase === "leading", 2000);
    assert.ok(now() - stopAt < 2000);
    assert.ok(spans[1].stoppedAt! < spans[2].startedAt);
    assert.ok(spans[2].epoch > spans[1].epoch);
  } finally {
    await a.stop();
    await b.stop();
  }
  assert.ok(spans.every((s) => s.stoppedAt !== undefined), "every component stopped after shutdown");
});

test("a restarted master whose earlier run still holds the key takes over at once; another name has to wait", async () => {
  const store = new EtcdStore({ endpoints: [env.endpoint] });
  stores.push(store);
  // What a kill -9 leaves behind: the key, bound to a live lease nobody renews.
  const lease = store.client.lease(30, { autoKeepAlive: false });
  await lease.put(LEADER_KEY).value(JSON.stringify({ identity: "c" }));
  const stale = await store.client.kv.range({ key: Buffer.from(LEADER_KEY) });
  const staleEpoch = Number(stale.kvs[0].create_revision);

  const spans: Span[] = [];
  const d = await candidate("d", spans);
  const c = await candidate("c", spans);
  try {
    // Another master has to wait for the stale lease to expire.
    await d.election.start();
    assert.equal(d.election.status().phase, "following");
    assert.equal(d.election.status().leader?.identity, "c");
    await d.stop();
    assert.equal(spans.length, 0);
    // (Were d still campaigning, it could win the race for the key c's revoke frees; either is fine.)

    const t0 = now();
    await c.election.start();
    assert.equal(c.election.status().phase, "leading");
    assert.ok(now() - t0 < 2000, "no wait for the stale lease's 30 s TTL");
    assert.ok(c.election.epoch()! > staleEpoch);
    const ttl = await store.client.leaseClient.leaseTimeToLive({ ID: await lease.grant() });
    assert.equal(Number(ttl.TTL), -1, "the stale lease is gone");
  } finally {
    await c.stop();
    await d.stop();
  }
});
