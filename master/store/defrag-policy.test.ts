import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseDefrag, DEFAULT_DEFRAG_POLICY, type MemberDbStatus } from "./defrag-policy";

const MiB = 1024 * 1024;
const HOUR = 3600_000;

function member(name: string, dbMiB: number, inUseMiB: number, isLeader = false): MemberDbStatus {
  return { id: `id-${name}`, name, dbSize: dbMiB * MiB, dbSizeInUse: inUseMiB * MiB, isLeader };
}

const names = (d: { members: MemberDbStatus[] }) => d.members.map((m) => m.name);

test("a large file that is mostly free is defragmented; a small or mostly used one is not", () => {
  const policy = DEFAULT_DEFRAG_POLICY;
  assert.deepEqual(names(chooseDefrag([member("m1", 1024, 100)], 1, new Map(), 0, policy)), ["m1"]);
  assert.deepEqual(names(chooseDefrag([member("m1", 200, 10)], 1, new Map(), 0, policy)), [], "below the minimum size");
  assert.deepEqual(names(chooseDefrag([member("m1", 1024, 600)], 1, new Map(), 0, policy)), [], "less than half is free");
  assert.match(chooseDefrag([member("m1", 1024, 100)], 1, new Map(), 0, policy).reason, /m1: 924 MiB of its 1024 MiB file is free/);
});

test("each member at most once per interval, by the injected clock", () => {
  const last = new Map([["id-m1", 10 * HOUR]]);
  const m = [member("m1", 1024, 100)];
  assert.deepEqual(names(chooseDefrag(m, 1, last, 10.5 * HOUR, DEFAULT_DEFRAG_POLICY)), []);
  assert.deepEqual(names(chooseDefrag(m, 1, last, 11 * HOUR, DEFAULT_DEFRAG_POLICY)), ["m1"]);
});

test("one member per tick: followers before the leader, the most to reclaim first", () => {
  const members = [member("m1", 2048, 100, true), member("m2", 1024, 100), member("m3", 1536, 100)];
  assert.deepEqual(names(chooseDefrag(members, 3, new Map(), 0, DEFAULT_DEFRAG_POLICY)), ["m3"]);
  assert.deepEqual(names(chooseDefrag(members, 3, new Map(), 0, DEFAULT_DEFRAG_POLICY, Infinity)), ["m3", "m2", "m1"]);
});

test("never when blocking a member could cost quorum", () => {
  const two = [member("m1", 1024, 100), member("m2", 1024, 100)];
  assert.deepEqual(names(chooseDefrag(two, 3, new Map(), 0, DEFAULT_DEFRAG_POLICY)), [], "one of three did not answer");
  assert.match(chooseDefrag(two, 3, new Map(), 0, DEFAULT_DEFRAG_POLICY).reason, /only 2 of 3 members answered/);
  assert.deepEqual(names(chooseDefrag(two, 2, new Map(), 0, DEFAULT_DEFRAG_POLICY)), [], "two members: the other alone is no quorum");
  // A single member has no choice: it blocks for the duration, which the rate limit keeps rare.
  assert.deepEqual(names(chooseDefrag(two.slice(0, 1), 1, new Map(), 0, DEFAULT_DEFRAG_POLICY)), ["m1"]);
});
