import assert from "node:assert/strict";
import { test } from "node:test";
import { ElectionMachine, RENEW_RETRY_MS, timingForTtl, timingProblems, type ElectionAction, type ElectionEvent, type ElectionTiming } from "./machine";

// TTL 10 s, keepalive every 3 s, step down 7 s after the last keepalive that succeeded was sent.
const TIMING: ElectionTiming = { leaseTtlMs: 10_000, renewIntervalMs: 3_000, renewDeadlineMs: 7_000, retryIntervalMs: 2_000 };

/** A machine on a fake clock, and a log of what it asked for. */
function harness(identity = "m1", timing = TIMING) {
  let now = 1_000_000;
  const m = new ElectionMachine(identity, timing, () => now);
  const h = {
    m,
    get now() {
      return now;
    },
    /** Feeds an event and returns the actions. */
    on(event: ElectionEvent): ElectionAction[] {
      return m.handle(event);
    },
    /** Advances the clock to `t` and ticks. */
    at(t: number): ElectionAction[] {
      assert.ok(t >= now, "time does not go backwards");
      now = t;
      return m.handle({ type: "tick" });
    },
    /** Runs the clock forward, ticking at each wake-up the machine asks for, up to `t`. */
    until(t: number, onAction: (a: ElectionAction, at: number) => ElectionEvent[] = () => []): { at: number; action: ElectionAction }[] {
      const log: { at: number; action: ElectionAction }[] = [];
      for (;;) {
        const wake = m.nextWakeAt();
        if (wake === undefined || wake > t) break;
        now = Math.max(now, wake);
        const queue: ElectionAction[] = m.handle({ type: "tick" });
        while (queue.length > 0) {
          const a = queue.shift()!;
          log.push({ at: now, action: a });
          for (const e of onAction(a, now)) queue.push(...m.handle(e));
        }
      }
      now = Math.max(now, t);
      return log;
    },
  };
  return h;
}

const types = (actions: ElectionAction[]) => actions.map((a) => a.type);

/** Started and won at the current time with lease "L1", epoch 100; components up. */
function leading(h: ReturnType<typeof harness>, epoch = 100, leaseId = "L1") {
  assert.deepEqual(h.on({ type: "start" }), [{ type: "campaign" }]);
  const won = h.on({ type: "campaigned", outcome: { result: "won", leaseId, epoch, sentAt: h.now } });
  assert.deepEqual(won, [
    { type: "start-components", epoch },
    { type: "publish", epoch, acquired: true },
  ]);
  assert.equal(h.m.status().phase, "starting");
  assert.deepEqual(h.on({ type: "components-started", epoch }), []);
  assert.equal(h.m.status().phase, "leading");
}

test("a lone candidate wins, starts its components, and renews every renewInterval", () => {
  const h = harness();
  const t0 = h.now;
  leading(h);
  assert.deepEqual(h.m.status(), { identity: "m1", phase: "leading", isLeader: true, epoch: 100, leader: { identity: "m1", epoch: 100, leaseId: "L1" }, campaigning: false });
  assert.equal(h.m.nextWakeAt(), t0 + 3000);
  assert.deepEqual(h.at(t0 + 2999), []);
  assert.deepEqual(h.at(t0 + 3000), [{ type: "renew", leaseId: "L1" }]);
  // In flight: no second renew, however late it gets (short of the deadline).
  assert.deepEqual(h.at(t0 + 3500), []);
  assert.deepEqual(h.on({ type: "renewed", leaseId: "L1", outcome: { result: "renewed", sentAt: t0 + 3000 } }), [{ type: "publish", epoch: 100, acquired: false }]);
  assert.equal(h.m.nextWakeAt(), t0 + 6000);
  assert.deepEqual(h.at(t0 + 6000), [{ type: "renew", leaseId: "L1" }]);
});

test("without a successful keepalive the leader steps down exactly renewDeadline after the last one was sent, before the lease can expire", () => {
  const h = harness();
  const t0 = h.now;
  leading(h);
  h.at(t0 + 3000);
  h.on({ type: "renewed", leaseId: "L1", outcome: { result: "renewed", sentAt: t0 + 3000 } });
  // From here every keepalive fails; failures are retried after RENEW_RETRY_MS.
  h.at(t0 + 6000);
  assert.deepEqual(h.on({ type: "renewed", leaseId: "L1", outcome: { result: "failed", error: "unavailable" } }), []);
  assert.equal(h.m.nextWakeAt(), t0 + 6000 + RENEW_RETRY_MS);
  for (let t = t0 + 6000 + RENEW_RETRY_MS; t < t0 + 9000; t += RENEW_RETRY_MS) {
    assert.deepEqual(h.at(t), [{ type: "renew", leaseId: "L1" }]);
    h.on({ type: "renewed", leaseId: "L1", outcome: { result: "failed", error: "unavailable" } });
  }
  assert.deepEqual(h.at(t0 + 9000), [{ type: "renew", leaseId: "L1" }]);
  assert.equal(h.m.status().isLeader, true, "still within the deadline");
  assert.equal(h.m.nextWakeAt(), t0 + 10_000, "a keepalive sent at 9000 is in flight; only the deadline is left");
  assert.deepEqual(h.at(t0 + 9999), []);
  const down = h.at(t0 + 10_000);
  assert.deepEqual(types(down), ["stop-components"]);
  assert.match((down[0] as { reason: string }).reason, /no keepalive succeeded within 7000ms/);
  // etcd received the last good keepalive no earlier than t0+3000, so the lease lives until t0+13000 at least.
  assert.ok(h.now < t0 + 3000 + TIMING.leaseTtlMs);
  assert.deepEqual(h.m.status().phase, "stepping-down");
  assert.equal(h.m.status().isLeader, false);
  // A late success for the old term changes nothing.
  assert.deepEqual(h.on({ type: "renewed", leaseId: "L1", outcome: { result: "renewed", sentAt: t0 + 9000 } }), []);
  assert.equal(h.m.status().phase, "stepping-down");
  // Components stopped: campaign again at once, without releasing (etcd is unreachable anyway).
  assert.deepEqual(h.on({ type: "components-stopped", epoch: 100 }), [{ type: "campaign" }]);
});

test("safety over many random runs: leadership always ends before renewDeadline after the last successful keepalive's send time", () => {
  // A seeded generator keeps the runs reproducible.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let run = 0; run < 200; run++) {
    const h = harness();
    leading(h);
    let lastGoodSentAt = h.now;
    const pending: { leaseId: string; sentAt: number }[] = [];
    const end = h.now + 60_000;
    const take = (actions: ElectionAction[]) => {
      for (const a of actions) if (a.type === "renew") pending.push({ leaseId: a.leaseId, sentAt: h.now });
    };
    while (h.now < end && h.m.status().isLeader) {
      // Either the pending keepalive answers (after a random delay) or time passes to the next wake-up.
      const wake = h.m.nextWakeAt()!;
      const answerAt = pending.length > 0 ? h.now + Math.floor(random() * 4000) : Infinity;
      if (answerAt < wake) {
        take(h.at(answerAt));
        const { leaseId, sentAt } = pending.shift()!;
        const roll = random();
        const outcome = roll < 0.6 ? ({ result: "renewed", sentAt } as const) : roll < 0.97 ? ({ result: "failed", error: "x" } as const) : ({ result: "expired" } as const);
        if (outcome.result === "renewed") lastGoodSentAt = Math.max(lastGoodSentAt, sentAt);
        take(h.on({ type: "renewed", leaseId, outcome }));
      } else {
        take(h.at(wake));
      }
      assert.ok(pending.length <= 1, "one keepalive in flight at most");
      assert.ok(!h.m.status().isLeader || h.now < lastGoodSentAt + TIMING.renewDeadlineMs, `run ${run}: leading at ${h.now} past the deadline`);
    }
    if (!h.m.status().isLeader) assert.ok(h.now <= lastGoodSentAt + TIMING.renewDeadlineMs, `run ${run}: stepped down at ${h.now}, after the deadline ${lastGoodSentAt + TIMING.renewDeadlineMs}`);
  }
});

test("an expired lease, a deleted key, or a key with another epoch ends leadership at once; stale watch events do not", () => {
  for (const [name, event] of [
    ["expired", { type: "renewed", leaseId: "L1", outcome: { result: "expired" } }],
    ["deleted", { type: "observed", observation: { leader: undefined, revision: 130 } }],
    ["replaced", { type: "observed", observation: { leader: { identity: "m2", epoch: 131, leaseId: "L9" }, revision: 131 } }],
  ] as [string, ElectionEvent][]) {
    const h = harness();
    leading(h);
    if (event.type === "renewed") h.at(h.now + 3000);
    const actions = h.on(event);
    assert.deepEqual(types(actions), ["stop-components"], name);
    assert.equal(h.m.status().isLeader, false, name);
  }

  // The deletion of the previous leader's key (revision 90) arrives after we won at 100.
  const h = harness();
  leading(h);
  assert.deepEqual(h.on({ type: "observed", observation: { leader: undefined, revision: 90 } }), []);
  assert.deepEqual(h.on({ type: "observed", observation: { leader: { identity: "m1", epoch: 100, leaseId: "L1" }, revision: 100 } }), []);
  assert.equal(h.m.status().phase, "leading");
});

test("a follower retries every retryInterval while another holds the key, and campaigns at once when the key is deleted", () => {
  const h = harness("m2");
  const t0 = h.now;
  h.on({ type: "start" });
  const holder = { identity: "m1", epoch: 50, leaseId: "L7" };
  assert.deepEqual(h.on({ type: "campaigned", outcome: { result: "held", observation: { leader: holder, revision: 60 } } }), []);
  assert.deepEqual(h.m.status(), { identity: "m2", phase: "following", isLeader: false, epoch: undefined, leader: holder, campaigning: false });
  assert.equal(h.m.nextWakeAt(), t0 + 2000);
  assert.deepEqual(h.at(t0 + 2000), [{ type: "campaign" }]);
  h.on({ type: "campaigned", outcome: { result: "failed", error: "deadline exceeded" } });
  assert.equal(h.m.nextWakeAt(), t0 + 4000);
  assert.deepEqual(h.at(t0 + 2500), []);
  // The watch sees the key go (the old leader's lease expired): campaign now, not at 4000.
  assert.deepEqual(h.on({ type: "observed", observation: { leader: undefined, revision: 70 } }), [{ type: "campaign" }]);
  assert.equal(h.m.status().leader, undefined);
  const won = h.on({ type: "campaigned", outcome: { result: "won", leaseId: "L8", epoch: 71, sentAt: t0 + 2500 } });
  assert.deepEqual(types(won), ["start-components", "publish"]);
  assert.equal(h.m.status().epoch, 71);
});

test("a key held under our own name by a lease we do not use (a crashed earlier run) is revoked and taken over at once, but only once per lease", () => {
  const h = harness("m1");
  h.on({ type: "start" });
  const stale = { identity: "m1", epoch: 40, leaseId: "OLD" };
  assert.deepEqual(h.on({ type: "campaigned", outcome: { result: "held", observation: { leader: stale, revision: 45 } } }), [{ type: "campaign", revokeStale: "OLD" }]);
  assert.equal(h.m.status().campaigning, true);
  // The revoke failed and the key is still there: wait, do not spin.
  assert.deepEqual(h.on({ type: "campaigned", outcome: { result: "held", observation: { leader: stale, revision: 46 } } }), []);
  assert.equal(h.m.nextWakeAt(), h.now + 2000);
});

test("shutdown while leading stops the components, then releases the lease; a campaign won during shutdown is released", () => {
  const h = harness();
  leading(h);
  assert.deepEqual(h.on({ type: "shutdown" }), [{ type: "stop-components", epoch: 100, reason: "shutting down" }]);
  assert.deepEqual(h.on({ type: "shutdown" }), []);
  assert.deepEqual(h.on({ type: "components-stopped", epoch: 100 }), [{ type: "release", leaseId: "L1" }]);
  assert.equal(h.m.status().phase, "stopped");
  assert.equal(h.m.nextWakeAt(), undefined);

  const f = harness();
  assert.deepEqual(f.on({ type: "start" }), [{ type: "campaign" }]);
  assert.deepEqual(f.on({ type: "shutdown" }), []);
  assert.equal(f.m.status().phase, "stopped");
  assert.deepEqual(f.on({ type: "campaigned", outcome: { result: "won", leaseId: "L2", epoch: 9, sentAt: f.now } }), [{ type: "release", leaseId: "L2" }]);
  assert.equal(f.m.status().isLeader, false);
});

test("a loss while components are still starting stops them; start completion of an old term is ignored", () => {
  const h = harness();
  h.on({ type: "start" });
  h.on({ type: "campaigned", outcome: { result: "won", leaseId: "L1", epoch: 100, sentAt: h.now } });
  assert.equal(h.m.status().phase, "starting");
  assert.deepEqual(types(h.on({ type: "observed", observation: { leader: undefined, revision: 101 } })), ["stop-components"]);
  assert.deepEqual(h.on({ type: "components-started", epoch: 100 }), []);
  assert.equal(h.m.status().phase, "stepping-down");
  assert.deepEqual(h.on({ type: "components-stopped", epoch: 99 }), [], "another term's stop");
  assert.deepEqual(h.on({ type: "components-stopped", epoch: 100 }), [{ type: "campaign" }]);
});

test("resigning (a component failed to start) releases the lease and campaigns again only after retryInterval", () => {
  const h = harness();
  leading(h);
  assert.deepEqual(types(h.on({ type: "resign", reason: "scheduler failed" })), ["stop-components"]);
  assert.deepEqual(h.on({ type: "components-stopped", epoch: 100 }), [{ type: "release", leaseId: "L1" }]);
  assert.equal(h.m.nextWakeAt(), h.now + 2000);
  const log = h.until(h.now + 2000);
  assert.deepEqual(log.map((l) => l.action), [{ type: "campaign" }]);
});

test("a steady leader with prompt keepalives keeps leading for an hour of simulated time", () => {
  const h = harness();
  leading(h);
  const log = h.until(h.now + 3_600_000, (a, at) => (a.type === "renew" ? [{ type: "renewed", leaseId: a.leaseId, outcome: { result: "renewed", sentAt: at } }] : []));
  assert.equal(h.m.status().phase, "leading");
  assert.equal(log.filter((l) => l.action.type === "renew").length, 1200);
  assert.ok(log.every((l) => l.action.type === "renew" || l.action.type === "publish"));
});

test("timing must leave components time to stop before the lease can expire", () => {
  assert.deepEqual(timingProblems(TIMING), []);
  assert.deepEqual(timingProblems(timingForTtl(10)), []);
  assert.deepEqual(timingForTtl(10), { leaseTtlMs: 10_000, renewIntervalMs: 3000, renewDeadlineMs: 7000, retryIntervalMs: 2000 });
  assert.match(timingProblems({ ...TIMING, renewDeadlineMs: 10_000 }).join(), /below the lease TTL/);
  assert.match(timingProblems({ ...TIMING, renewIntervalMs: 8000 }).join(), /below the renew deadline/);
  assert.match(timingProblems({ ...TIMING, leaseTtlMs: 2500 }).join(), /whole seconds/);
  assert.throws(() => new ElectionMachine("m", { ...TIMING, renewDeadlineMs: 12_000 }, () => 0), /leader election timing/);
});

test("a 2 s lease (fast failover): keepalive every 600 ms, a failed one retried twice before the 1.4 s deadline", () => {
  const timing = timingForTtl(2);
  assert.deepEqual(timing, { leaseTtlMs: 2000, renewIntervalMs: 600, renewDeadlineMs: 1400, retryIntervalMs: 400 });
  assert.deepEqual(timingProblems(timing), []);
  const h = harness("m1", timing);
  const t0 = h.now;
  leading(h);
  assert.deepEqual(h.at(t0 + 600), [{ type: "renew", leaseId: "L1" }]);
  // The keepalive times out (LeaderElection gives it half the renew interval); retried after 300 ms, twice.
  h.at(t0 + 900);
  h.on({ type: "renewed", leaseId: "L1", outcome: { result: "failed", error: "timeout" } });
  assert.equal(h.m.nextWakeAt(), t0 + 1200);
  assert.deepEqual(h.at(t0 + 1200), [{ type: "renew", leaseId: "L1" }]);
  // This one gets through: the term goes on from its send time.
  h.on({ type: "renewed", leaseId: "L1", outcome: { result: "renewed", sentAt: t0 + 1200 } });
  assert.equal(h.m.status().phase, "leading");
  assert.equal(h.m.nextWakeAt(), t0 + 1800);
  // From here nothing gets through: down 1.4 s after the last good send, 0.6 s before etcd may expire the lease.
  const log = h.until(t0 + 3000, (a) => (a.type === "renew" ? [{ type: "renewed", leaseId: "L1", outcome: { result: "failed", error: "unavailable" } }] : []));
  const down = log.find((l) => l.action.type === "stop-components");
  assert.equal(down?.at, t0 + 1200 + 1400);
  assert.ok(log.filter((l) => l.action.type === "renew" && l.at < down.at).length >= 2, "at least two tries before the deadline");
});
