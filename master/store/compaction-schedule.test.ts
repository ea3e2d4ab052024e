import assert from "node:assert/strict";
import { test } from "node:test";
import { CompactionSchedule } from "./compaction-schedule";

test("a new cluster: the first tick only records; each later tick compacts to the previous tick's revision", () => {
  const s = new CompactionSchedule({ version: 0, revision: 0 });
  assert.equal(s.expectedVersion, 0);
  assert.deepEqual(s.note(), {});
  assert.equal(s.swapped(100), undefined, "nothing recorded before: nothing to compact");
  assert.equal(s.expectedVersion, 1);
  assert.deepEqual(s.note(), { compactingTo: 100 });
  assert.equal(s.swapped(250), 100);
  assert.equal(s.swapped(260), 250, "one interval of history is kept, however little happened");
  assert.equal(s.expectedVersion, 3);
});

test("a new leader compacts at its first tick to the record written before its term", () => {
  const s = new CompactionSchedule({ version: 7, revision: 4000 });
  assert.equal(s.expectedVersion, 7);
  assert.equal(s.swapped(4100), 4000);
  assert.equal(s.swapped(4200), 4100);
});

test("a lost compare-and-swap compacts nothing and adopts the other compactor's record", () => {
  const s = new CompactionSchedule({ version: 2, revision: 50 });
  // Another compactor ticked (version 3, at revision 90): it compacted to 50 already.
  s.lost({ version: 3, revision: 90 });
  assert.equal(s.expectedVersion, 3);
  assert.deepEqual(s.note(), { compactingTo: 90 });
  // Our next tick, if nobody else ticks, compacts to the other's record: at least one interval old.
  assert.equal(s.swapped(130), 90);
});

test("a deleted record starts the schedule over", () => {
  const s = new CompactionSchedule({ version: 5, revision: 500 });
  s.lost({ version: 0, revision: 0 });
  assert.equal(s.expectedVersion, 0);
  assert.equal(s.swapped(600), undefined);
  assert.equal(s.swapped(700), 600);
});
