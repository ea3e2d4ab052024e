// Real runc + conmon: a container this runtime is creating or removing is never reported as
// "unknown" while runc does not know it (yet, or any more). Wrappers around conmon and runc
// widen those windows to half a second each, so the test does not depend on luck.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ContainerState } from "../types";
import { monitorPid } from "./conmon";
import { containerPaths } from "./layout";
import { eventually, testRuntime } from "./testing";

const pause = 0.5;

async function script(file: string, body: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** Lists until `done` settles; every status seen for `id` ("absent" when not listed). */
async function watchList(rt: { list(): Promise<ContainerState[]> }, id: string, done: Promise<unknown>): Promise<string[]> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const seen: string[] = [];
  while (!settled) {
    const s = (await rt.list()).find((c) => c.id === id);
    seen.push(s ? s.status : "absent");
    await new Promise((r) => setTimeout(r, 10));
  }
  return seen;
}

test("a container being created is reported created, and one being removed as gone, never unknown", async (t) => {
  const wrappers = path.join(await fs.mkdtemp("/tmp/gantry-inflight-"), "bin");
  // conmon runs `runc create`: before it does, the directory and meta.json exist, runc's state does not.
  const conmonPath = await script(path.join(wrappers, "conmon"), `sleep ${pause}\nexec /usr/bin/conmon "$@"`);
  // After `runc delete` the directory still exists until the removal has cleaned up.
  const runcPath = await script(path.join(wrappers, "runc"), `/usr/sbin/runc "$@"\nrc=$?\ncase " $* " in *" delete "*) sleep ${pause} ;; esac\nexit $rc`);
  const { rt, config, root, runcRoot } = await testRuntime(t, { conmonPath, runcPath });
  t.after(() => fs.rm(path.dirname(wrappers), { recursive: true, force: true })); // after the runtime's cleanup

  const creating = rt.createContainer(config("slow", { sh: "sleep 30" }));
  await eventually(() => fs.stat(containerPaths(root, "slow").meta).then(() => true, () => false), 10_000, "meta.json");
  assert.equal((await rt.state("slow")).status, "created", "state() during the create");
  const duringCreate = await watchList(rt, "slow", creating);
  const created = await creating;
  assert.equal(created.status, "created");
  assert.ok(created.pid && created.pid > 0);
  assert.ok(duringCreate.length > 3, `listed ${duringCreate.length} times during the create`);
  assert.deepEqual([...new Set(duringCreate)], ["created"], "every listing during the create");

  await rt.startContainer("slow");
  const p = containerPaths(root, "slow");
  const exists = (f: string) => fs.stat(f).then(() => true, () => false);
  const removing = rt.removeContainer("slow");
  // `runc delete` is done (runc forgot the id) and the wrapper holds the removal for a moment.
  await eventually(async () => !(await exists(path.join(runcRoot, "slow"))) && (await exists(p.exitFile)), 10_000, "runc to forget the container");
  // Taking the exit file away stands in for the rest of that window: conmon not having written
  // it yet, or `rm -r` of the directory taking exit/ before meta.json.
  await fs.rm(p.exitFile, { force: true });
  assert.ok(await exists(p.meta));
  assert.equal((await rt.list()).find((c) => c.id === "slow"), undefined, "list() during the removal");
  await assert.rejects(rt.state("slow"), (e: Error) => /being removed/.test(e.message));
  await removing;
  assert.deepEqual(await rt.list(), []);
});

test("a container directory nobody is working on and runc does not know is unknown", async (t) => {
  const { rt, config, root, runcRoot } = await testRuntime(t);
  const c = await rt.createContainer(config("lost", { sh: "sleep 30" }));
  // What a reboot does: the process, its exit status and runc's tmpfs state are all gone.
  const p = containerPaths(root, "lost");
  process.kill(c.pid as number, "SIGKILL");
  await eventually(() => fs.stat(p.exitFile).then(() => true, () => false), 10_000, "conmon's exit file");
  await eventually(async () => (await monitorPid(p.conmonPid)) === undefined, 10_000, "conmon to exit");
  await fs.rm(p.exitFile);
  await fs.rm(path.join(runcRoot, "lost"), { recursive: true, force: true });
  assert.equal((await rt.state("lost")).status, "unknown");
  assert.deepEqual((await rt.list()).map((s) => [s.id, s.status]), [["lost", "unknown"]]);
});
