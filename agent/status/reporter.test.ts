import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusReporter, type StatusBatch } from "./reporter";

const rec = (uid: string, phase: string) => ({ uid, namespace: "ns", name: uid, status: { phase }, containersStopped: false, observedResourceVersion: "1" });

test("changes within the window are coalesced per pod, latest wins; removals and folded events ride along", async () => {
  let clock = 1000;
  const r = new StatusReporter(50, () => clock);
  const batches: StatusBatch[] = [];
  r.subscribe((b) => batches.push(b));
  r.update(rec("a", "Pending"));
  r.update(rec("a", "Running"));
  r.update(rec("b", "Pending"));
  r.event({ podUid: "a", podNamespace: "ns", podName: "a", type: "Warning", reason: "BackOff", message: "m" });
  clock = 2000;
  r.event({ podUid: "a", podNamespace: "ns", podName: "a", type: "Warning", reason: "BackOff", message: "m" });
  r.removed("b");
  await new Promise((res) => setTimeout(res, 120));
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0].pods.map((p) => [p.uid, p.status.phase]), [["a", "Running"]]);
  assert.deepEqual(batches[0].removed, ["b"]);
  assert.equal(batches[0].events.length, 1);
  assert.deepEqual([batches[0].events[0].count, batches[0].events[0].firstTimestamp, batches[0].events[0].lastTimestamp], [2, 1000, 2000]);
  assert.deepEqual(r.snapshot().map((p) => p.uid), ["a"]);
  r.stop();
});

test("nothing pending, nothing sent", () => {
  const r = new StatusReporter(10);
  let n = 0;
  r.subscribe(() => n++);
  r.flush();
  assert.equal(n, 0);
});
