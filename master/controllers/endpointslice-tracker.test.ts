import assert from "node:assert/strict";
import { test } from "node:test";
import { SliceWriteTracker } from "./endpointslice-tracker";

test("a write the cache has not shown yet makes the Service stale until the event arrives", () => {
  const t = new SliceWriteTracker(() => 0);
  t.wrote("ns/web", { name: "web-abc", resourceVersion: "12" }, undefined);
  assert.equal(t.isStale("ns/web"), true);
  t.observed("ns/web", { name: "web-abc", resourceVersion: "11" });
  assert.equal(t.isStale("ns/web"), true, "an older version does not count");
  t.observed("ns/web", { name: "web-abc", resourceVersion: "12" });
  assert.equal(t.isStale("ns/web"), false);
});

test("a write the cache already shows, or a delete of a slice it no longer holds, is not awaited", () => {
  const t = new SliceWriteTracker(() => 0);
  t.wrote("ns/web", { name: "web-abc", resourceVersion: "12" }, { name: "web-abc", resourceVersion: "13" });
  t.deleted("ns/web", { name: "web-def", uid: "u1" }, undefined);
  assert.equal(t.isStale("ns/web"), false);
});

test("deletes are awaited until the delete event; lost events expire", () => {
  let now = 0;
  const t = new SliceWriteTracker(() => now, 1000);
  t.deleted("ns/web", { name: "web-abc", uid: "u1" }, { name: "web-abc", uid: "u1" });
  assert.equal(t.isStale("ns/web"), true);
  t.gone("ns/web", { name: "web-abc" });
  assert.equal(t.isStale("ns/web"), false);
  t.wrote("ns/web", { name: "web-x", resourceVersion: "5" }, undefined);
  now = 1001;
  assert.equal(t.isStale("ns/web"), false, "expired");
  t.wrote("ns/db", { name: "db-x", resourceVersion: "5" }, undefined);
  t.forget("ns/db");
  assert.equal(t.isStale("ns/db"), false);
});
