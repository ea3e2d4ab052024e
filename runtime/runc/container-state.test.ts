import { test } from "node:test";
import assert from "node:assert/strict";
import { deriveState, runcStatus } from "./container-state";
import type { ContainerMeta } from "./metadata";
import type { RuncState } from "./runc-cli";

const meta: ContainerMeta = {
  id: "c1",
  labels: { a: "b" },
  createdAt: "2026-01-01T00:00:00.000Z",
  startedAt: "2026-01-01T00:00:01.000Z",
  cgroupsPath: "/x/c1",
  logPath: "/logs/c1/container.log",
  stopSignal: "SIGTERM",
  tty: false,
  stdin: false,
  stdinOnce: false,
};
const runc = (status: string, pid = 42): RuncState => ({ id: "c1", pid, status, bundle: "/b", created: "" });
const now = new Date("2026-01-01T00:01:00.000Z");
const common = { id: "c1", labels: { a: "b" }, createdAt: meta.createdAt, startedAt: meta.startedAt, logPath: meta.logPath };

test("the exit file wins over everything else", () => {
  const exit = { exitCode: 3, finishedAt: new Date("2026-01-01T00:00:02.000Z") };
  assert.deepEqual(deriveState({ meta, exit, runc: runc("running"), oomKilled: false, now }), {
    ...common,
    status: "exited",
    exitCode: 3,
    finishedAt: "2026-01-01T00:00:02.000Z",
    oomKilled: false,
  });
  assert.equal(deriveState({ meta, exit, runc: null, oomKilled: true, now }).oomKilled, true);
});

test("runc's view when there is no exit file", () => {
  assert.deepEqual(deriveState({ meta, runc: runc("created"), oomKilled: false, now }), { ...common, status: "created", pid: 42 });
  assert.deepEqual(deriveState({ meta, runc: runc("paused"), oomKilled: false, now }), { ...common, status: "running", pid: 42 });
  assert.deepEqual(deriveState({ meta, runc: null, oomKilled: false, now }), { ...common, status: "unknown" });
});

test("a container being created that runc does not know yet is created, not unknown", () => {
  const { startedAt: _m, ...fresh } = meta;
  const { startedAt: _s, ...freshCommon } = common;
  assert.deepEqual(deriveState({ meta: fresh, runc: null, creating: true, oomKilled: false, now }), { ...freshCommon, status: "created" });
  // Once runc knows it, runc's word counts; an exit file still wins.
  assert.equal(deriveState({ meta, runc: runc("running"), creating: true, oomKilled: false, now }).status, "running");
  const exit = { exitCode: 1, finishedAt: now };
  assert.equal(deriveState({ meta, exit, runc: null, creating: true, oomKilled: false, now }).status, "exited");
});

test("stopped without an exit file is a lost status: 255, noticed now unless pinned", () => {
  assert.deepEqual(deriveState({ meta, runc: runc("stopped", 0), oomKilled: false, now }), {
    ...common,
    status: "exited",
    exitCode: 255,
    finishedAt: now.toISOString(),
    oomKilled: false,
  });
  const pinned = { ...meta, finishedAt: "2026-01-01T00:00:30.000Z" };
  assert.equal(deriveState({ meta: pinned, runc: runc("stopped", 0), oomKilled: false, now }).finishedAt, "2026-01-01T00:00:30.000Z");
});

test("runcStatus maps runc's words", () => {
  assert.equal(runcStatus("created"), "created");
  assert.equal(runcStatus("running"), "running");
  assert.equal(runcStatus("pausing"), "running");
  assert.equal(runcStatus("stopped"), "exited");
  assert.equal(runcStatus("weird"), "unknown");
});
