import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchBinder } from "./binder";
import type { BindOutcome, BindRequest, BindWriter } from "./bind-writer";
import { testPod } from "./testing";

/** Records the batches it is given; each write waits until released. */
class RecordingWriter implements BindWriter {
  batches: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  private releases: (() => void)[] = [];
  constructor(private readonly fail = false) {}
  async write(requests: readonly BindRequest[]): Promise<BindOutcome[]> {
    this.batches.push(requests.map((r) => r.pod.metadata.name!));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise<void>((r) => this.releases.push(r));
    this.inFlight--;
    if (this.fail) throw new Error("etcd is gone");
    return requests.map((r) => ({ kind: "bound", pod: r.pod }));
  }
  releaseAll(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const req = (name: string): BindRequest => ({ pod: testPod(name), nodeName: "n" });
const tick = () => new Promise((r) => setImmediate(r));

test("a full batch goes out at once; the rest waits for the flush timer", async () => {
  const writer = new RecordingWriter();
  const outcomes: string[] = [];
  const binder = new BatchBinder(writer, { batchSize: 3, flushMs: 30, concurrency: 2 }, (r, o) => outcomes.push(`${r.pod.metadata.name}:${o.kind}`));
  for (const n of ["a", "b", "c", "d"]) binder.add(req(n));
  assert.deepEqual(writer.batches, [["a", "b", "c"]]);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(writer.batches, [["a", "b", "c"], ["d"]]);
  writer.releaseAll();
  await binder.stop();
  assert.deepEqual(outcomes, ["a:bound", "b:bound", "c:bound", "d:bound"]);
  assert.deepEqual(binder.stats, { batches: 2, binds: 4, largestBatch: 3 });
});

test("no more than `concurrency` batches in flight; waiting ones follow as slots free up", async () => {
  const writer = new RecordingWriter();
  const binder = new BatchBinder(writer, { batchSize: 1, flushMs: 1000, concurrency: 2 }, () => {});
  for (const n of ["a", "b", "c", "d"]) binder.add(req(n));
  assert.equal(writer.batches.length, 2);
  assert.equal(binder.pendingCount(), 2);
  writer.releaseAll();
  await tick();
  await tick();
  assert.equal(writer.batches.length, 4);
  writer.releaseAll();
  await binder.stop();
  assert.equal(writer.maxInFlight, 2);
});

test("a failed write reports every binding of the batch as an error; stop reports unwritten ones", async () => {
  const writer = new RecordingWriter(true);
  const outcomes: string[] = [];
  const binder = new BatchBinder(writer, { batchSize: 2, flushMs: 1000, concurrency: 1 }, (r, o) => outcomes.push(`${r.pod.metadata.name}:${o.kind}`));
  for (const n of ["a", "b", "c"]) binder.add(req(n));
  const stopped = binder.stop();
  assert.deepEqual(outcomes, ["c:error"], "not yet written: reported at once");
  writer.releaseAll();
  await stopped;
  assert.deepEqual(outcomes, ["c:error", "a:error", "b:error"]);
  binder.add(req("late"));
  assert.deepEqual(outcomes.at(-1), "late:error");
});
