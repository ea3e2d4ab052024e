import { test } from "node:test";
import assert from "node:assert/strict";
import { conmonArgs, type ConmonLaunch } from "./conmon";
import { containerPaths } from "./layout";

const launch = (over: Partial<ConmonLaunch> = {}): ConmonLaunch => ({
  conmonPath: "/usr/bin/conmon",
  runcPath: "/usr/sbin/runc",
  runcRoot: "/run/gantry/runc",
  systemdCgroup: false,
  id: "c1",
  paths: containerPaths("/var/lib/gantry/rt", "c1"),
  socketDir: "/var/lib/gantry/rt/sock",
  tty: false,
  stdin: false,
  stdinOnce: false,
  ...over,
});

test("conmon arguments for a plain container", () => {
  assert.deepEqual(conmonArgs(launch()), [
    "--api-version", "1",
    "--cid", "c1",
    "--cuuid", "c1",
    "--name", "c1",
    "--runtime", "/usr/sbin/runc",
    "--runtime-arg", "--root=/run/gantry/runc",
    "--bundle", "/var/lib/gantry/rt/containers/c1/bundle",
    "--container-pidfile", "/var/lib/gantry/rt/containers/c1/container.pid",
    "--conmon-pidfile", "/var/lib/gantry/rt/containers/c1/conmon.pid",
    "--exit-dir", "/var/lib/gantry/rt/containers/c1/exit",
    "--persist-dir", "/var/lib/gantry/rt/containers/c1/persist",
    "--log-path", "k8s-file:/var/lib/gantry/rt/logs/c1/container.log",
    "--socket-dir-path", "/var/lib/gantry/rt/sock",
    "--log-level", "error",
  ]);
});

test("tty, stdin, stdinOnce and systemd flags", () => {
  const tail = (l: ConmonLaunch) => conmonArgs(l).slice(28);
  assert.deepEqual(tail(launch({ tty: true, stdin: true })), ["--terminal", "--stdin", "--leave-stdin-open"]);
  assert.deepEqual(tail(launch({ stdin: true, stdinOnce: true })), ["--stdin"]);
  assert.deepEqual(tail(launch({ systemdCgroup: true })), ["--systemd-cgroup"]);
});

test("long ids get a short hashed cuuid so the attach socket path fits sun_path", () => {
  const id = "a".repeat(200);
  const p = containerPaths("/var/lib/gantry/rt", id);
  assert.equal(p.cuuid.length, 24);
  assert.ok(Buffer.byteLength(`${p.socketLink}/attach`) <= 107);
  assert.equal(containerPaths("/var/lib/gantry/rt", id).cuuid, p.cuuid, "stable");
  assert.throws(() => containerPaths(`/${"d".repeat(120)}`, "c1"), /too long/);
});
