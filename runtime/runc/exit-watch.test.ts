// Exit events (exit-watcher.ts) with real runc and conmon: a container that exits is announced
// without any `runc state`/`runc list`, also for containers made before the watcher started (an
// agent restart), and its exit status is then read from conmon's files alone. runc runs through
// a wrapper that logs every invocation, so a spawn cannot go unnoticed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { RuncRuntime } from "./runtime";
import { eventually, loggingRunc, runcQueries as queries, testRuntime } from "./testing";

test("exits are events without a runc spawn, also for containers made before the watch began", { timeout: 60_000 }, async (t) => {
  const runc = await loggingRunc();
  const x = await testRuntime(t, { runcPath: runc.path }).catch(async (err: unknown) => {
    await runc.remove();
    throw err;
  });
  t.after(runc.remove); // after testRuntime's cleanup, which still runs runc
  // Made by one runtime object (the agent before a restart)...
  await x.rt.createContainer(x.config("before", { sh: "sleep 1.5; exit 3" }));
  await x.rt.startContainer("before");
  // ...watched by another over the same directories (the restarted agent).
  const rt2 = new RuncRuntime({ root: x.root, runcRoot: x.runcRoot, runcPath: runc.path, logRotationIntervalMs: 0 });
  t.after(async () => rt2.close());
  const seen: string[] = [];
  const unsubscribe = await rt2.watchExits((id) => seen.push(id));
  t.after(async () => unsubscribe());
  await rt2.createContainer(x.config("after", { sh: "sleep 0.5; exit 4" }));
  await rt2.startContainer("after");
  const queriesBefore = queries(await runc.calls()).length;

  await eventually(async () => seen.includes("before") && seen.includes("after"), 15_000, () => `exit events for both containers (got ${JSON.stringify(seen)})`);
  const [before, after] = [await rt2.state("before"), await rt2.state("after")];
  assert.deepEqual([before.status, before.exitCode], ["exited", 3]);
  assert.deepEqual([after.status, after.exitCode], ["exited", 4]);
  assert.deepEqual(queries(await runc.calls()).slice(queriesBefore), [], "no runc state/list spawned to learn of the exits");
  assert.ok(seen.indexOf("after") < seen.indexOf("before"), "each exit is announced when it happens");

  // A removed container's watch goes with it; the others keep working.
  await rt2.removeContainer("after");
  await rt2.createContainer(x.config("third", { sh: "exit 5" }));
  await rt2.startContainer("third");
  await eventually(async () => seen.includes("third"), 15_000, "exit event for a container created after a removal");
  assert.equal((await rt2.state("third")).exitCode, 5);
});
