import assert from "node:assert/strict";
import { test } from "node:test";
import { CoalescingWriter } from "./coalescing-writer";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test("many values for one key between flushes become one write of the latest", async () => {
  const writes: [string, number][] = [];
  const w = new CoalescingWriter<string, number>({ intervalMs: 10_000, concurrency: 4, write: async (k, v) => void writes.push([k, v]) });
  for (let i = 0; i < 50; i++) w.put("pod-a", i);
  w.put("pod-b", 7);
  assert.equal(w.size, 2);
  await w.flush();
  assert.deepEqual(writes.sort(), [["pod-a", 49], ["pod-b", 7]]);
  assert.equal(w.size, 0);
  await w.stop();
});

test("the timer flushes on its own", async () => {
  const writes: number[] = [];
  const w = new CoalescingWriter<string, number>({ intervalMs: 20, concurrency: 1, write: async (_k, v) => void writes.push(v) });
  w.put("a", 1);
  w.put("a", 2);
  await tick(80);
  assert.deepEqual(writes, [2]);
  await w.stop();
});

test("writes in flight stay within the bound, and one key is never written twice at once", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const perKey = new Map<string, number>();
  let overlapped = false;
  const w = new CoalescingWriter<string, number>({
    intervalMs: 5,
    concurrency: 3,
    write: async (k) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
      if (perKey.get(k)! > 1) overlapped = true;
      await tick(15);
      perKey.set(k, perKey.get(k)! - 1);
      inFlight--;
    },
  });
  for (let i = 0; i < 20; i++) w.put(`k${i}`, i);
  const first = w.flush();
  // New values for keys being written now must wait for a later flush.
  await tick(2);
  for (let i = 0; i < 20; i++) w.put(`k${i}`, 100 + i);
  await first;
  await w.flush();
  assert.equal(maxInFlight, 3);
  assert.equal(overlapped, false);
  await w.stop();
});

test("flushes called at once run one after the other, so a key is never written twice at once", async () => {
  const events: string[] = [];
  const w = new CoalescingWriter<string, number>({
    intervalMs: 10_000,
    concurrency: 4,
    write: async (k, v) => {
      events.push(`start ${k}=${v}`);
      await tick(10);
      events.push(`end ${k}=${v}`);
    },
  });
  w.put("a", 1);
  const f1 = w.flush();
  await tick(2); // a=1 is being written now
  w.put("a", 2);
  const f2 = w.flush();
  await Promise.all([f1, f2]);
  assert.deepEqual(events, ["start a=1", "end a=1", "start a=2", "end a=2"]);
  await w.stop();
});

test("a failed write is retried, merged with anything newer, and given up after maxAttempts", async () => {
  const seen: string[] = [];
  let failures = 2;
  const errors: string[] = [];
  const w = new CoalescingWriter<string, string[]>({
    intervalMs: 10_000,
    concurrency: 1,
    maxAttempts: 3,
    merge: (a, b) => [...a, ...b],
    write: async (k, v) => {
      seen.push(`${k}:${v.join("+")}`);
      if (k === "flaky" && failures-- > 0) throw new Error("etcd busy");
      if (k === "broken") throw new Error("always");
    },
    onError: (k) => errors.push(k),
  });
  w.put("flaky", ["a"]);
  await w.flush();
  w.put("flaky", ["b"]);
  await w.flush();
  await w.flush();
  assert.deepEqual(seen, ["flaky:a", "flaky:a+b", "flaky:a+b"]);
  w.put("broken", ["x"]);
  await w.flush();
  await w.flush();
  await w.flush();
  await w.flush();
  assert.equal(seen.filter((s) => s.startsWith("broken")).length, 3);
  assert.deepEqual(errors, ["broken"]);
  await w.stop();
});

test("stop drops what is pending and waits for the write in flight; nothing is written after", async () => {
  const writes: number[] = [];
  let release!: () => void;
  const w = new CoalescingWriter<string, number>({
    intervalMs: 10_000,
    concurrency: 1,
    write: async (_k, v) => {
      writes.push(v);
      if (v === 1) await new Promise<void>((r) => (release = r));
    },
  });
  w.put("a", 1);
  w.put("b", 2);
  const flushing = w.flush();
  await tick(5);
  let stopped = false;
  const stopping = w.stop().then(() => (stopped = true));
  await tick(5);
  assert.equal(stopped, false, "stop waits for the write in flight");
  release();
  await stopping;
  await flushing;
  w.put("c", 3);
  await w.flush();
  assert.deepEqual(writes, [1]);
});
