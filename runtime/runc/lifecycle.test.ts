// Real runc + conmon: create, start, exit codes, logs, errors, removal.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { RuntimeError, type ContainerState } from "../types";
import { readMountInfo } from "../rootfs/mountinfo";
import { cgroupDirs } from "./cgroups";
import { readCriLog } from "./cri-log";
import { containerPaths } from "./layout";
import { eventually, testRuntime } from "./testing";

async function exited(rt: { state(id: string): Promise<ContainerState> }, id: string): Promise<ContainerState> {
  return eventually(async () => {
    const s = await rt.state(id);
    return s.status === "exited" && s;
  }, 20_000, `${id} to exit`);
}

async function logLines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readCriLog(file)) out.push(`${m.stream}: ${m.content.toString()}`);
  return out;
}

const isCode = (code: string) => (e: unknown) => e instanceof RuntimeError && e.code === code;

test("run to completion: exit 0 and exit 3, output in the CRI log with stream tags", async (t) => {
  const { rt, config } = await testRuntime(t);
  const created = await rt.createContainer(config("ok", { sh: "echo out-line; echo err-line >&2; exit 0", labels: { pod: "p1", container: "c" } }));
  assert.equal(created.status, "created");
  assert.ok(created.pid && created.pid > 0);
  assert.deepEqual(created.labels, { pod: "p1", container: "c" });
  const started = await rt.startContainer("ok");
  assert.ok(started.startedAt);
  const done = await exited(rt, "ok");
  assert.equal(done.exitCode, 0);
  assert.equal(done.oomKilled, false);
  assert.ok(Date.parse(done.createdAt) <= Date.parse(done.startedAt as string));
  assert.ok(Date.parse(done.startedAt as string) <= Date.parse(done.finishedAt as string) + 1);
  assert.deepEqual(await logLines(done.logPath), ["stdout: out-line", "stderr: err-line"]);
  const raw = await fs.readFile(done.logPath, "utf8");
  assert.match(raw, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout F out-line\n/);

  await rt.createContainer(config("three", { sh: "echo bye; exit 3" }));
  await rt.startContainer("three");
  const three = await exited(rt, "three");
  assert.equal(three.exitCode, 3);
  assert.deepEqual(await logLines(three.logPath), ["stdout: bye"]);
});

test("user by name, hostname, env and working directory reach the process", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(
    config("who", { sh: 'echo "$(id -u):$(id -g) $(hostname) $FOO $HOME $(pwd)"', user: "nobody", hostname: "box-1", env: ["FOO=bar"], workingDir: "/tmp" }),
  );
  await rt.startContainer("who");
  const st = await exited(rt, "who");
  assert.equal(st.exitCode, 0);
  assert.deepEqual(await logLines(st.logPath), ["stdout: 65534:65534 box-1 bar /nonexistent /tmp"]);
});

test("a read-only root refuses writes; /tmp-less writes fail but the process still runs", async (t) => {
  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("ro", { sh: "echo x > /tmp/f && echo wrote || echo refused", readOnlyRootfs: true }));
  await rt.startContainer("ro");
  const st = await exited(rt, "ro");
  assert.deepEqual((await logLines(st.logPath)).filter((l) => l.startsWith("stdout")), ["stdout: refused"]);
});

test("errors: duplicate id, unknown id, wrong state, bad user, missing executable — and nothing left behind", async (t) => {
  const { rt, config, root } = await testRuntime(t);
  await rt.createContainer(config("dup", { sh: "sleep 100" }));
  await assert.rejects(rt.createContainer(config("dup")), isCode("AlreadyExists"));
  await assert.rejects(rt.startContainer("nope"), isCode("NotFound"));
  await assert.rejects(rt.state("nope"), isCode("NotFound"));
  await assert.rejects(rt.state("../etc"), isCode("InvalidConfig"));
  await rt.startContainer("dup");
  await assert.rejects(rt.startContainer("dup"), isCode("FailedPrecondition"));

  await assert.rejects(rt.createContainer(config("ghost", { user: "ghost" })), (e: unknown) => isCode("InvalidConfig")(e) && /unable to find user ghost/.test((e as Error).message));
  await assert.rejects(rt.createContainer(config("noexec", { args: ["/bin/does-not-exist"] })), (e: unknown) => isCode("Internal")(e) && /does-not-exist/.test((e as Error).message));
  for (const id of ["ghost", "noexec"]) {
    const p = containerPaths(root, id);
    await assert.rejects(fs.stat(p.dir), /ENOENT/);
    await assert.rejects(fs.stat(p.logDir), /ENOENT/);
    assert.ok(!(await readMountInfo()).some((m) => m.mountPoint.startsWith(p.dir)));
  }
  assert.deepEqual((await rt.list()).map((c) => c.id), ["dup"]);
  await rt.removeContainer("dup");
  await rt.removeContainer("dup"); // removing a missing container succeeds
});

test("remove cleans mounts, cgroup, state dir and logs (unless keepLogs)", async (t) => {
  const { rt, config, root } = await testRuntime(t);
  await rt.createContainer(config("gone", { sh: "echo hi; sleep 1000", resources: { memoryLimitBytes: 64 << 20, cpuLimitMillis: 500 } }));
  await rt.startContainer("gone");
  const p = containerPaths(root, "gone");
  await eventually(async () => /stdout F hi/.test(await fs.readFile(p.logPath, "utf8")), 10_000, "output");
  const meta = JSON.parse(await fs.readFile(p.meta, "utf8")) as { cgroupsPath: string };
  const dirs = await cgroupDirs(meta.cgroupsPath);
  const memDir = dirs.find((d) => d.includes("/memory/"));
  if (memDir) assert.equal((await fs.readFile(`${memDir}/memory.limit_in_bytes`, "utf8")).trim(), String(64 << 20));
  const cpuDir = dirs.find((d) => /\/cpu(,cpuacct)?\//.test(d));
  if (cpuDir) assert.equal((await fs.readFile(`${cpuDir}/cpu.cfs_quota_us`, "utf8")).trim(), "50000");
  assert.ok(dirs.length > 0 && (await fs.stat(dirs[0])).isDirectory());
  assert.ok((await readMountInfo()).some((m) => m.mountPoint === p.rootfs));

  await rt.removeContainer("gone", { keepLogs: true });
  assert.ok(!(await readMountInfo()).some((m) => m.mountPoint.startsWith(p.dir)));
  for (const d of dirs) await assert.rejects(fs.stat(d), /ENOENT/, `cgroup ${d} removed`);
  await assert.rejects(fs.stat(p.dir), /ENOENT/);
  await assert.rejects(fs.stat(p.socketLink), /ENOENT/);
  assert.match(await fs.readFile(p.logPath, "utf8"), /stdout F hi/);
  await assert.rejects(rt.state("gone"), isCode("NotFound"));

  await rt.removeContainer("gone"); // a second remove without keepLogs drops the kept logs
  await assert.rejects(fs.stat(p.logDir), /ENOENT/);
});
