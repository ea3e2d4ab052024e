// subPath safety end to end: a real agent process with runc/conmon and busybox from a real
// registry. An init container plants symlinks in an emptyDir; a subPath through a link out of
// the volume must fail the container (CreateContainerConfigError, a Failed event) without it
// ever seeing the host directory, while a link inside the volume mounts its target. The host
// directory stands in for /etc: a temp dir with a marker file, so nothing touches the real /etc.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1";
import { mountsUnder, readMountInfo } from "../netns/mountinfo";
import type { PodStatus } from "../proto/gen/agent";
import { RuncRuntime } from "../runtime/runc/runtime";
import { pushTestImages } from "../test/images/build";
import { startRegistry, type TestRegistry } from "../test/images/registry";
import { containerId } from "./labels";
import { FakeMaster, agentDirs, execStream, forceCleanup, startAgent, waitFor, type AgentDirs, type AgentProcess } from "./testing/harness";

let registry: TestRegistry;
let busybox: string;

before(async () => {
  registry = await startRegistry();
  await pushTestImages(registry.url);
  busybox = `${registry.host}/gantry-test/busybox:latest`;
});

after(async () => {
  await registry?.stop();
});

interface Ctx {
  dirs: AgentDirs;
  agent: AgentProcess;
  master: FakeMaster;
  /** A host directory no container may see, holding the file `marker`. */
  hostDir: string;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Ctx> {
  const dirs = await agentDirs();
  const hostDir = `/tmp/gantry-subpath-marker-${randomBytes(4).toString("hex")}`;
  const ctx = { dirs, hostDir } as Ctx;
  t.after(async () => {
    ctx.master?.cancel();
    await ctx.agent?.stop().catch(() => undefined);
    await forceCleanup(dirs);
    await fs.rm(hostDir, { recursive: true, force: true });
  });
  await fs.mkdir(hostDir);
  await fs.writeFile(path.join(hostDir, "marker"), "host only\n");
  ctx.agent = await startAgent(dirs);
  ctx.master = new FakeMaster(ctx.agent.client, "node-test", 1);
  return ctx;
}

function pod(name: string, init: string, containers: Container[]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: randomUUID(), resourceVersion: "1" },
    spec: {
      initContainers: [{ name: "plant", image: busybox, command: ["sh", "-c", init], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      containers,
      volumes: [{ name: "data", emptyDir: {} }],
      terminationGracePeriodSeconds: 1,
    },
  };
}

const cs = (s: PodStatus | undefined, name: string) => s?.containerStatuses.find((c) => c.name === name);
const waiting = (s: PodStatus | undefined, name: string) => {
  const st = cs(s, name)?.state?.state;
  return st?.$case === "waiting" ? st.waiting : undefined;
};
const running = (s: PodStatus | undefined, name: string) => cs(s, name)?.state?.state?.$case === "running";

async function execOut(ctx: Ctx, uid: string, container: string, command: string[]): Promise<string> {
  const r = await execStream(ctx.agent.client, { input: { $case: "start", start: { pod: { uid, namespace: "", name: "" }, container, command, tty: false, stdin: false, stdout: true, stderr: true } } });
  assert.equal(r.exit?.code, 0, `exec ${command.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Whether the runtime holds the container of `name`'s `attempt` in the pod. */
async function created(dirs: AgentDirs, uid: string, name: string, attempt: number): Promise<boolean> {
  const rt = new RuncRuntime({ root: dirs.runtimeRoot, runcRoot: dirs.runcRoot, logRotationIntervalMs: 0 });
  try {
    return (await rt.list()).some((c) => c.id === containerId(uid, name, attempt));
  } finally {
    rt.close();
  }
}

const failure = (container: string, subPath: string, target: string) =>
  `failed to prepare subPath for volumeMount "data" of container "${container}": subPath "${subPath}" of volume "data": symlink "${subPath}" points to "${target}", outside the volume`;

test("subPath through a symlink out of the volume: CreateContainerConfigError, the host dir stays unseen; a symlink inside mounts its target", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("subpaths", `mkdir /data/real && echo hi > /data/real/f && ln -s real /data/alias && ln -s ${ctx.hostDir} /data/escape`, [
    { name: "escape", image: busybox, command: ["sh", "-c", "cat /mnt/marker; sleep 3600"], volumeMounts: [{ name: "data", mountPath: "/mnt", subPath: "escape" }] },
    { name: "alias", image: busybox, command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/mnt", subPath: "alias" }] },
  ]);
  const bystander = pod("bystander", "true", [{ name: "c", image: busybox, command: ["sleep", "3600"] }]);
  const uid = p.metadata!.uid!;
  ctx.master.desired([p, bystander]);
  const s = await waitFor("alias running and escape refused or started", async () => {
    const st = ctx.master.statuses.get(uid);
    return running(st, "alias") && (waiting(st, "escape")?.reason === "CreateContainerConfigError" || cs(st, "escape")?.containerId) ? st : undefined;
  }, 60_000);
  const message = failure("escape", "escape", ctx.hostDir);
  assert.deepEqual(waiting(s, "escape"), { reason: "CreateContainerConfigError", message });
  assert.equal(cs(s, "escape")!.containerId, "", "no container was created");
  assert.equal(await created(ctx.dirs, uid, "escape", 0), false);
  await waitFor("the Failed event", async () => ctx.master.eventLines(uid).includes(`Failed: Error: ${message}`), 10_000);
  await waitFor("another pod running", async () => running(ctx.master.statuses.get(bystander.metadata!.uid!), "c"), 30_000);

  // The container whose link stays inside the volume reads the init container's file, and
  // writes land in the volume's real directory.
  assert.equal(await execOut(ctx, uid, "alias", ["cat", "/mnt/f"]), "hi\n");
  await execOut(ctx, uid, "alias", ["sh", "-c", "echo back > /mnt/g"]);
  const podDir = path.join(ctx.dirs.dataDir, "pods", uid);
  assert.equal(await fs.readFile(path.join(podDir, "volumes/empty-dir/data/real/g"), "utf8"), "back\n");
  assert.deepEqual(await fs.readdir(ctx.hostDir), ["marker"], "nothing was created in the host dir");
  // The staging mount is gone once the container exists; the container keeps its own.
  assert.deepEqual(mountsUnder(await readMountInfo(), path.join(podDir, "volume-subpaths")), []);
  assert.equal(await execOut(ctx, uid, "alias", ["cat", "/mnt/f"]), "hi\n");

  ctx.master.desired([bystander]);
  await waitFor("the pod removed", async () => ctx.master.messages.some((m) => m.msg?.$case === "podStatus" && m.msg.podStatus.removed.includes(uid)), 60_000);
  await assert.rejects(fs.stat(podDir), { code: "ENOENT" });
  assert.deepEqual(mountsUnder(await readMountInfo(), podDir), []);
});

test("a restarting container's subPath is checked again: a link re-pointed out of the volume stops the restart", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  // "reader" runs once through the link (which then points inside) and exits 1; "mutator" waits
  // for that run, then re-points the link at the host dir before reader's restart (reader
  // lingers 2 s after reading, the mutator polls every 0.1 s).
  const p = pod("flip", "mkdir /data/real && echo hi > /data/real/f && ln -s real /data/flip", [
    { name: "reader", image: busybox, command: ["sh", "-c", "cat /mnt/f && touch /mnt/read-done && sleep 2; exit 1"], volumeMounts: [{ name: "data", mountPath: "/mnt", subPath: "flip" }] },
    {
      name: "mutator",
      image: busybox,
      command: ["sh", "-c", `while [ ! -e /data/real/read-done ]; do sleep 0.1; done; rm /data/flip && ln -s ${ctx.hostDir} /data/flip && sleep 3600`],
      volumeMounts: [{ name: "data", mountPath: "/data" }],
    },
  ]);
  const uid = p.metadata!.uid!;
  ctx.master.desired([p]);
  const s = await waitFor("reader's restart refused or made", async () => {
    const st = ctx.master.statuses.get(uid);
    return waiting(st, "reader")?.reason === "CreateContainerConfigError" || (cs(st, "reader")?.restartCount ?? 0) > 0 ? st : undefined;
  }, 60_000);
  const reader = cs(s, "reader")!;
  assert.deepEqual(waiting(s, "reader"), { reason: "CreateContainerConfigError", message: failure("reader", "flip", ctx.hostDir) });
  const last = reader.lastState?.state;
  assert.ok(last?.$case === "terminated");
  assert.equal(last.terminated.containerId, `gantry://${containerId(uid, "reader", 0)}`, "the first run is the last one");
  assert.equal(last.terminated.exitCode, 1, "it read the file and exited 1");
  assert.equal(reader.restartCount, 0, "no second container was made");
  assert.ok(running(s, "mutator"), "the other container is unaffected");
  assert.equal(await created(ctx.dirs, uid, "reader", 1), false, "no second reader container was created");
});
