// Integration tests of the agent: a real agent process (agent/testing/agent-main.ts) with runc
// and conmon, images pulled from a real registry on 127.0.0.1 (Debian's docker-registry, filled
// with test/images), driven through its gRPC API. Each test gets its own directories and
// cgroup parent and removes everything it made, also when it fails.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { status as Code, type ServiceError } from "@grpc/grpc-js";
import type { Container, Pod } from "kubernetes-types/core/v1";
import { mountsUnder, readMountInfo } from "../netns/mountinfo";
import { LayerProgress_State, PodPhase, VolumeData_Kind, type LogChunk, type PodStatus, type PortForwardData, type PullImageProgress } from "../proto/gen/agent";
import { RuncRuntime } from "../runtime/runc/runtime";
import { gzipBombLayer, pushBadImage } from "../test/images/bad-images";
import { busyboxLayers, pushTestImages } from "../test/images/build";
import { freePort, startRegistry, type TestRegistry } from "../test/images/registry";
import {
  FakeMaster,
  agentDirs,
  collect,
  execStream,
  forceCleanup,
  listStatus,
  podStatus,
  setDesired,
  startAgent,
  startAgentCli,
  waitFor,
  type AgentDirs,
  type AgentProcess,
} from "./testing/harness";

let registry: TestRegistry;
let image: (repo: "busybox" | "httpd" | "fail") => string;

before(async () => {
  registry = await startRegistry();
  await pushTestImages(registry.url);
  image = (repo) => `${registry.host}/gantry-test/${repo}:latest`;
});

after(async () => {
  await registry?.stop();
});

interface Ctx {
  dirs: AgentDirs;
  agent: AgentProcess;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Ctx> {
  const dirs = await agentDirs();
  const ctx = { dirs } as Ctx;
  t.after(async () => {
    await ctx.agent?.stop().catch(() => undefined);
    await forceCleanup(dirs);
  });
  ctx.agent = await startAgent(dirs);
  return ctx;
}

function pod(name: string, containers: Container[], spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: randomUUID(), resourceVersion: "1" }, spec: { containers, ...spec } };
}

const cs = (s: PodStatus | undefined, name: string) => s?.containerStatuses.find((c) => c.name === name);
const stateOf = (s: PodStatus | undefined, name: string) => cs(s, name)?.state?.state;
const running = (s: PodStatus | undefined, name: string) => stateOf(s, name)?.$case === "running";
const terminated = (s: PodStatus | undefined, name: string) => {
  const st = stateOf(s, name);
  return st?.$case === "terminated" ? st.terminated : undefined;
};
const waiting = (s: PodStatus | undefined, name: string) => {
  const st = stateOf(s, name);
  return st?.$case === "waiting" ? st.waiting : undefined;
};
const idOf = (s: PodStatus | undefined, name: string) => (cs(s, name)?.containerId ?? "").replace("gantry://", "");

function runtimeOf(dirs: AgentDirs): RuncRuntime {
  return new RuncRuntime({ root: dirs.runtimeRoot, runcRoot: dirs.runcRoot, logRotationIntervalMs: 0 });
}

async function execOut(ctx: Ctx, uid: string, container: string, command: string[]): Promise<string> {
  const r = await execStream(ctx.agent.client, { input: { $case: "start", start: { pod: { uid, namespace: "", name: "" }, container, command, tty: false, stdin: false, stdout: true, stderr: true } } });
  assert.equal(r.exit?.code, 0, `exec ${command.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

test("two containers of a pod run and share its network, IPC and UTS namespaces; port-forward; removal cleans up everything", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("web", [
    { name: "web", image: image("httpd"), readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 } },
    { name: "sidecar", image: image("busybox"), command: ["sleep", "3600"] },
  ], { terminationGracePeriodSeconds: 2 });
  const uid = p.metadata!.uid!;
  assert.deepEqual(await setDesired(ctx.agent.client, 1, [p]), { generation: 1, rejected: [] });
  const s = await waitFor("both containers running and ready", async () => {
    const st = await podStatus(ctx.agent.client, uid);
    return st?.phase === PodPhase.POD_PHASE_RUNNING && st.ready && st.containerStatuses.every((c) => c.ready) ? st : undefined;
  });
  assert.deepEqual(s.conditions.map((c) => [c.type, c.status]), [["PodReadyToStartContainers", "True"], ["Initialized", "True"], ["Ready", "True"], ["ContainersReady", "True"]]);
  assert.match(cs(s, "web")!.containerId, /^gantry:\/\/[0-9a-f]{32}$/);
  assert.match(cs(s, "web")!.imageId, new RegExp(`^${registry.host.replace(/\./g, "\\.")}/gantry-test/httpd@sha256:[0-9a-f]{64}$`));
  assert.equal(cs(s, "web")!.image, image("httpd"));
  assert.equal(cs(s, "web")!.started, true);
  assert.equal(s.hostIp, "127.0.0.1");

  // The sidecar reaches the web server on 127.0.0.1: same network namespace.
  assert.equal(await execOut(ctx, uid, "sidecar", ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/"]), "<h1>gantry httpd test page</h1>\n");
  const rt = runtimeOf(ctx.dirs);
  t.after(() => rt.close());
  for (const kind of ["net", "ipc", "uts"]) {
    const ns = async (id: string) => fs.readlink(`/proc/${(await rt.state(id)).pid}/ns/${kind}`);
    const [a, b, host] = [await ns(idOf(s, "web")), await ns(idOf(s, "sidecar")), await fs.readlink(`/proc/self/ns/${kind}`)];
    assert.equal(a, b, `${kind} namespace shared`);
    assert.notEqual(a, host, `${kind} namespace is the pod's own`);
  }
  assert.equal(await execOut(ctx, uid, "sidecar", ["hostname"]), "web\n", "the pod's hostname in its UTS namespace");

  // PortForward: one TCP connection to 127.0.0.1:8080 inside the pod.
  const pf = ctx.agent.client.portForward();
  const reply = new Promise<string>((resolve, reject) => {
    let text = "";
    pf.on("data", (m: PortForwardData) => {
      if (m.error) reject(new Error(m.error));
      text += m.data.toString();
    });
    pf.on("end", () => resolve(text));
    pf.on("error", reject);
  });
  pf.write({ pod: { uid, namespace: "", name: "" }, port: 8080, data: Buffer.from("GET / HTTP/1.0\r\n\r\n"), close: true, error: "" });
  pf.end();
  const http = await reply;
  assert.match(http, /^HTTP\/1\.[01] 200 OK\r\n/);
  assert.match(http, /<h1>gantry httpd test page<\/h1>/);

  await setDesired(ctx.agent.client, 2, []);
  await waitFor("the pod to be removed", async () => (await listStatus(ctx.agent.client)).length === 0);
  assert.deepEqual(await rt.list(), [], "containers removed");
  assert.deepEqual(await fs.readdir(path.join(ctx.dirs.runDir, "netns")), [], "network namespace removed");
  assert.deepEqual(await fs.readdir(path.join(ctx.dirs.dataDir, "pods")), [], "pod directory removed");
  const leftover = mountsUnder(await readMountInfo(), ctx.dirs.base).map((m) => m.mountPoint);
  assert.deepEqual(leftover, [path.join(ctx.dirs.runDir, "secrets")], "only the agent's own secrets tmpfs stays mounted");
});

test("logs: follow streams lines as they are written and ends when the container exits; tail, timestamps, limit", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("talker", [{ name: "c", image: image("busybox"), command: ["sh", "-c", "for i in 1 2 3; do echo line $i; sleep 1; done; echo oops >&2"] }], { restartPolicy: "Never" });
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p]);
  await waitFor("the container to run", async () => running(await podStatus(ctx.agent.client, uid), "c") || terminated(await podStatus(ctx.agent.client, uid), "c"));
  const started = Date.now();
  const arrivals: Array<{ at: number; text: string }> = [];
  const stream = ctx.agent.client.logs({ pod: { uid, namespace: "", name: "" }, container: "c", follow: true, timestamps: false, previous: false, sinceTime: "" });
  stream.on("data", (c: LogChunk) => arrivals.push({ at: Date.now() - started, text: c.data.toString() }));
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  assert.equal(arrivals.map((a) => a.text).join(""), "line 1\nline 2\nline 3\noops\n");
  const first = arrivals.find((a) => a.text.includes("line 1"))!;
  const last = arrivals.find((a) => a.text.includes("oops"))!;
  assert.ok(last.at - first.at >= 1500, `lines arrived as written (first at ${first.at} ms, last at ${last.at} ms)`);

  const read = async (opts: object) => Buffer.concat((await collect(ctx.agent.client.logs({ pod: { uid, namespace: "", name: "" }, container: "c", follow: false, timestamps: false, previous: false, sinceTime: "", ...opts }))).map((c) => c.data)).toString();
  assert.equal(await read({ tailLines: 2 }), "line 3\noops\n");
  assert.match(await read({ tailLines: 1, timestamps: true }), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$/);
  assert.equal(await read({ limitBytes: 4 }), "line");
  await assert.rejects(read({ previous: true }), (e: ServiceError) => e.code === Code.NOT_FOUND && /previous terminated container "c"/.test(e.details));
  await assert.rejects(read({ container: "nope" }), (e: ServiceError) => e.code === Code.NOT_FOUND);
});

test("exec: pipes with exit code, a TTY with its size and a resize", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("shell", [{ name: "c", image: image("busybox"), command: ["sleep", "3600"] }], { terminationGracePeriodSeconds: 1 });
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p]);
  await waitFor("running", async () => running(await podStatus(ctx.agent.client, uid), "c"));
  const ref = { uid, namespace: "", name: "" };

  const piped = await execStream(ctx.agent.client, { input: { $case: "start", start: { pod: ref, container: "c", command: ["sh", "-c", "echo out; echo err >&2; exit 3"], tty: false, stdin: false, stdout: true, stderr: true } } });
  assert.deepEqual(piped, { stdout: "out\n", stderr: "err\n", exit: { code: 3, reason: "NonZeroExitCode", message: "command terminated with non-zero exit code: 3" } });

  // The pty is made at the initial size, with no resize sent. runc copies its terminal's size to
  // the container's right after starting the process, so the command looks a moment later.
  const sized = await execStream(ctx.agent.client, {
    input: { $case: "start", start: { pod: ref, container: "c", command: ["sh", "-c", "sleep 0.3; /bin/busybox stty size"], tty: true, stdin: false, stdout: true, stderr: false, initialSize: { width: 100, height: 30 } } },
  });
  assert.equal(sized.stdout.trim(), "30 100");
  assert.equal(sized.exit?.code, 0);

  let sent = false;
  const interactive = await execStream(
    ctx.agent.client,
    { input: { $case: "start", start: { pod: ref, container: "c", command: ["sh"], tty: true, stdin: true, stdout: true, stderr: false, initialSize: { width: 80, height: 24 } } } },
    (_out, send) => {
      if (sent) return;
      sent = true;
      send({ input: { $case: "resize", resize: { width: 120, height: 40 } } });
      send({ input: { $case: "stdin", stdin: Buffer.from("sleep 1; /bin/busybox stty size; test -t 0 && echo is-a-tty; exit 7\n") } });
    },
  );
  assert.match(interactive.stdout, /40 120\r*\n/);
  assert.match(interactive.stdout, /is-a-tty/);
  assert.equal(interactive.exit?.code, 7);

  await assert.rejects(
    execStream(ctx.agent.client, { input: { $case: "start", start: { pod: { uid: "no-such-pod", namespace: "", name: "" }, container: "", command: ["true"], tty: false, stdin: false, stdout: true, stderr: true } } }),
    (e: ServiceError) => e.code === Code.NOT_FOUND,
  );
});

test("attach: to the main process of a container started with stdin and a TTY", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("interactive", [{ name: "c", image: image("busybox"), command: ["sh"], stdin: true, tty: true }], { restartPolicy: "Never", terminationGracePeriodSeconds: 1 });
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p]);
  await waitFor("running", async () => running(await podStatus(ctx.agent.client, uid), "c"));
  let sent = false;
  const r = await execStream(
    ctx.agent.client,
    { input: { $case: "start", start: { pod: { uid, namespace: "", name: "" }, container: "c", command: [], tty: true, stdin: true, stdout: true, stderr: false } } },
    (_out, send) => {
      if (sent) return;
      sent = true;
      send({ input: { $case: "stdin", stdin: Buffer.from("echo hello from $((6*7)); exit 5\n") } });
    },
    "attach",
  );
  assert.match(r.stdout, /hello from 42/);
  assert.equal(r.exit?.code, 5);
  const s = await waitFor("the container to exit", async () => {
    const st = await podStatus(ctx.agent.client, uid);
    return terminated(st, "c") ? st : undefined;
  });
  assert.equal(terminated(s, "c")!.exitCode, 5);
});

test("a failing liveness probe restarts the container with CrashLoopBackOff, reported over a master session", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  const master = new FakeMaster(ctx.agent.client, "node-test", 5);
  t.after(() => master.cancel());
  const p = pod("sick", [{ name: "app", image: image("busybox"), command: ["sleep", "3600"], livenessProbe: { exec: { command: ["test", "-e", "/tmp/healthy"] }, periodSeconds: 1, failureThreshold: 1 } }], {
    terminationGracePeriodSeconds: 1,
  });
  const uid = p.metadata!.uid!;
  master.desired([p]);
  await waitFor("the session's opening messages", async () => master.kinds().includes("desiredPodsAck"));
  assert.deepEqual(master.kinds().slice(0, 3), ["hello", "nodeStatus", "podStatus"]);

  // While the session is open, the unary API may not change the desired state.
  await assert.rejects(setDesired(ctx.agent.client, 99, []), (e: ServiceError) => e.code === Code.FAILED_PRECONDITION);

  const backoff = await waitFor("CrashLoopBackOff", async () => {
    const s = master.statuses.get(uid);
    return waiting(s, "app")?.reason === "CrashLoopBackOff" ? s : undefined;
  }, 60_000);
  assert.match(waiting(backoff, "app")!.message, /^back-off 10s restarting failed container=app pod=sick_default\(/);
  const last = cs(backoff, "app")!.lastState?.state;
  assert.equal(last?.$case === "terminated" && last.terminated.exitCode, 137, "sh as PID 1 ignores SIGTERM; killed after the 1 s grace");
  assert.ok(cs(backoff, "app")!.restartCount >= 1);
  await waitFor("a restart after the back-off", async () => (cs(master.statuses.get(uid), "app")?.restartCount ?? 0) >= 2, 40_000);
  const events = master.eventLines(uid);
  assert.ok(events.includes("Unhealthy: Liveness probe failed: "), events.join("\n"));
  assert.ok(events.includes("Killing: Container app failed liveness probe, will be restarted"));
  assert.ok(events.some((e) => /^BackOff: Back-off restarting failed container app in pod sick_default\(/.test(e)));
  assert.ok(events.includes(`Pulling: Pulling image "${image("busybox")}"`));
  assert.ok(events.some((e) => e.startsWith(`Pulled: Successfully pulled image "${image("busybox")}" in `)));
  const unhealthy = master.events.find((e) => e.reason === "Unhealthy" && e.podUid === uid)!;
  assert.ok(unhealthy.count >= 1);

  // Fencing: an older epoch is refused; a newer one ends this session with ABORTED.
  const stale = new FakeMaster(ctx.agent.client, "node-test", 4, "old");
  assert.equal((await stale.ended)?.code, Code.FAILED_PRECONDITION);
  const wrongNode = new FakeMaster(ctx.agent.client, "other-node", 9, "x");
  assert.equal((await wrongNode.ended)?.code, Code.FAILED_PRECONDITION);
  const newer = new FakeMaster(ctx.agent.client, "node-test", 6, "m2");
  t.after(() => newer.cancel());
  assert.equal((await master.ended)?.code, Code.ABORTED);
  await waitFor("the new session's full status", async () => newer.messages.some((m) => m.msg?.$case === "podStatus" && m.msg.podStatus.full && m.msg.podStatus.pods.some((x) => x.uid === uid)));
  assert.ok(master.kinds().includes("heartbeat"), "heartbeats at the interval the master asked for");

  // A graceful delete: the pod comes back with a deletionTimestamp; its containers stop and the
  // agent says so; then the master removes it and the agent reports it gone.
  const deleting: Pod = { ...p, metadata: { ...p.metadata, resourceVersion: "2", deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 1 } };
  newer.desired([deleting]);
  const stopped = await waitFor("containers stopped", async () => {
    const s = newer.statuses.get(uid);
    return s?.containersStopped ? s : undefined;
  }, 30_000);
  assert.equal(stopped.phase, PodPhase.POD_PHASE_FAILED);
  assert.equal(stopped.observedResourceVersion, "2");
  newer.desired([]);
  await waitFor("removal reported", async () => newer.messages.some((m) => m.msg?.$case === "podStatus" && m.msg.podStatus.removed.includes(uid)), 60_000);
});

test("a memory limit is enforced: the container is OOMKilled", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("hungry", [{ name: "c", image: image("busybox"), command: ["sh", "-c", "a=0123456789; while true; do a=\"$a$a\"; done"], resources: { limits: { memory: "20Mi" } } }], { restartPolicy: "Never" });
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p]);
  const s = await waitFor("termination", async () => {
    const st = await podStatus(ctx.agent.client, uid);
    return terminated(st, "c") ? st : undefined;
  }, 60_000);
  assert.equal(terminated(s, "c")!.reason, "OOMKilled");
  assert.equal(terminated(s, "c")!.exitCode, 137);
  assert.equal(s.phase, PodPhase.POD_PHASE_FAILED);
  assert.equal(s.qosClass, "Burstable");
});

test("run to completion: Completed / Error with exit codes and termination messages; Succeeded and Failed pods", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const mixed = pod(
    "batch",
    [
      { name: "ok", image: image("busybox"), command: ["sh", "-c", "echo all good > /dev/termination-log"] },
      { name: "bad", image: image("fail"), terminationMessagePolicy: "FallbackToLogsOnError" },
    ],
    { restartPolicy: "Never" },
  );
  const fine = pod("job", [{ name: "c", image: image("busybox"), command: ["true"] }], { restartPolicy: "OnFailure" });
  await setDesired(ctx.agent.client, 1, [mixed, fine]);
  const m = await waitFor("the batch pod to finish", async () => {
    const st = await podStatus(ctx.agent.client, mixed.metadata!.uid!);
    return st?.phase === PodPhase.POD_PHASE_FAILED ? st : undefined;
  }, 60_000);
  assert.deepEqual([terminated(m, "ok")!.reason, terminated(m, "ok")!.exitCode, terminated(m, "ok")!.message], ["Completed", 0, "all good\n"]);
  assert.deepEqual([terminated(m, "bad")!.reason, terminated(m, "bad")!.exitCode, terminated(m, "bad")!.message], ["Error", 3, "failing on purpose\n"]);
  assert.equal(m.containersStopped, true);
  assert.equal(m.restartCount, 0);
  const f = await waitFor("the job pod to succeed", async () => {
    const st = await podStatus(ctx.agent.client, fine.metadata!.uid!);
    return st?.phase === PodPhase.POD_PHASE_SUCCEEDED ? st : undefined;
  }, 60_000);
  assert.equal(f.conditions.find((c) => c.type === "Ready")?.reason, "PodCompleted");
});

test("secret volumes live on a tmpfs (inside and outside the container), never in the data dir", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod(
    "secretive",
    [
      {
        name: "c",
        image: image("busybox"),
        command: ["sleep", "3600"],
        volumeMounts: [
          { name: "creds", mountPath: "/etc/creds", readOnly: true },
          { name: "cfg", mountPath: "/etc/cfg" },
        ],
        env: [
          { name: "GREETING", valueFrom: { configMapKeyRef: { name: "cfg", key: "greeting" } } },
          { name: "PW", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
        ],
      },
    ],
    { terminationGracePeriodSeconds: 1, volumes: [{ name: "creds", secret: { secretName: "creds" } }, { name: "cfg", configMap: { name: "cfg" } }] },
  );
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p], [
    { kind: VolumeData_Kind.KIND_SECRET, namespace: "default", name: "creds", resourceVersion: "1", exists: true, type: "Opaque", data: { password: Buffer.from("hunter2-xyzzy") } },
    { kind: VolumeData_Kind.KIND_CONFIG_MAP, namespace: "default", name: "cfg", resourceVersion: "1", exists: true, data: { greeting: Buffer.from("hello") } },
  ]);
  await waitFor("running", async () => running(await podStatus(ctx.agent.client, uid), "c"));
  const mounts = await execOut(ctx, uid, "c", ["cat", "/proc/mounts"]);
  assert.match(mounts, /^tmpfs \/etc\/creds tmpfs ro[ ,]/m, mounts);
  assert.doesNotMatch(mounts, /^\S+ \/etc\/cfg tmpfs /m, "configMaps are not on tmpfs");
  assert.equal(await execOut(ctx, uid, "c", ["cat", "/etc/creds/password"]), "hunter2-xyzzy");
  assert.equal(await execOut(ctx, uid, "c", ["cat", "/etc/cfg/greeting"]), "hello");
  const env = await execOut(ctx, uid, "c", ["env"]);
  assert.match(env, /^GREETING=hello$/m);
  assert.match(env, /^PW=hunter2-xyzzy$/m);
  const hostMounts = await readMountInfo();
  const secretDir = path.join(ctx.dirs.dataDir, "pods", uid, "volumes", "secret", "creds");
  assert.equal(hostMounts.find((x) => x.mountPoint === secretDir)?.fsType, "tmpfs");
  const desired = await fs.readFile(path.join(ctx.dirs.dataDir, "desired.json"), "utf8");
  assert.doesNotMatch(desired, /hunter2|aHVudGVyMi14eXp6eQ/, "no secret bytes in the persisted desired state");
});

test("kill -9 of the agent and a restart adopt running pods without restarting them", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  const keep = pod("keeper", [{ name: "c", image: image("busybox"), command: ["sleep", "3600"] }], { terminationGracePeriodSeconds: 1 });
  const gone = pod("goner", [{ name: "c", image: image("busybox"), command: ["sleep", "3600"] }], { terminationGracePeriodSeconds: 1 });
  await setDesired(ctx.agent.client, 1, [keep, gone]);
  const before = await waitFor("both running", async () => {
    const all = await listStatus(ctx.agent.client);
    return all.length === 2 && all.every((s) => running(s, "c")) ? all : undefined;
  });
  const k0 = before.find((s) => s.uid === keep.metadata!.uid)!;
  const rt = runtimeOf(ctx.dirs);
  t.after(() => rt.close());
  const pid0 = (await rt.state(idOf(k0, "c"))).pid;
  const count0 = (await rt.list()).length;

  await ctx.agent.kill9();
  assert.equal((await rt.state(idOf(k0, "c"))).status, "running", "containers outlive the agent");
  ctx.agent = await startAgent(ctx.dirs);

  // The restarted agent continues from its persisted desired set, before any master speaks.
  const k1 = await waitFor("the adopted pod's status", async () => {
    const s = await podStatus(ctx.agent.client, keep.metadata!.uid!);
    return running(s, "c") ? s : undefined;
  });
  assert.equal(cs(k1, "c")!.containerId, cs(k0, "c")!.containerId);
  assert.equal(cs(k1, "c")!.restartCount, 0);
  assert.equal((stateOf(k1, "c") as { running: { startedAt: string } }).running.startedAt, (stateOf(k0, "c") as { running: { startedAt: string } }).running.startedAt);
  assert.equal((await rt.state(idOf(k1, "c"))).pid, pid0, "same process");
  // Let a few relists pass: nothing is created or restarted.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await rt.list()).length, count0, "no duplicate containers");
  assert.equal((await rt.state(idOf(k1, "c"))).pid, pid0);

  // A full set that no longer lists a pod removes it, and leaves the other alone.
  await setDesired(ctx.agent.client, 2, [keep]);
  await waitFor("the dropped pod to be removed", async () => (await listStatus(ctx.agent.client)).length === 1, 60_000);
  assert.equal((await rt.list()).length, 1);
  assert.equal((await rt.state(idOf(k1, "c"))).pid, pid0);
  assert.deepEqual(await fs.readdir(path.join(ctx.dirs.dataDir, "pods")), [keep.metadata!.uid]);
});

test("a restarted agent removes what belongs to pods it no longer wants (containers, namespace, pod dir)", { timeout: 120_000 }, async (t) => {
  const ctx = await setup(t);
  const p = pod("orphan", [{ name: "c", image: image("busybox"), command: ["sleep", "3600"] }], {
    terminationGracePeriodSeconds: 1,
    volumes: [{ name: "scratch", emptyDir: { medium: "Memory" } }],
  });
  await setDesired(ctx.agent.client, 1, [p]);
  await waitFor("running", async () => running(await podStatus(ctx.agent.client, p.metadata!.uid!), "c"));
  await ctx.agent.kill9();
  // The agent comes back without its desired state (as if it had never seen the pod).
  await fs.rm(path.join(ctx.dirs.dataDir, "desired.json"));
  ctx.agent = await startAgent(ctx.dirs);
  const rt = runtimeOf(ctx.dirs);
  t.after(() => rt.close());
  await waitFor("the leftovers to be removed", async () => (await rt.list()).length === 0 && (await fs.readdir(path.join(ctx.dirs.dataDir, "pods"))).length === 0, 60_000);
  assert.deepEqual(await fs.readdir(path.join(ctx.dirs.runDir, "netns")), []);
  assert.deepEqual(mountsUnder(await readMountInfo(), path.join(ctx.dirs.dataDir, "pods")), [], "the Memory emptyDir tmpfs is unmounted");
  assert.deepEqual(await listStatus(ctx.agent.client), []);
});

test("a nonexistent image: ErrImagePull with the registry's message, then ImagePullBackOff", { timeout: 90_000 }, async (t) => {
  const ctx = await setup(t);
  const missing = `${registry.host}/gantry-test/does-not-exist:latest`;
  const p = pod("ghost", [{ name: "c", image: missing }]);
  const uid = p.metadata!.uid!;
  await setDesired(ctx.agent.client, 1, [p]);
  const err = await waitFor("ErrImagePull", async () => waiting(await podStatus(ctx.agent.client, uid), "c")?.reason === "ErrImagePull" && waiting(await podStatus(ctx.agent.client, uid), "c"));
  assert.match(err.message, /NotFound/);
  assert.match(err.message, /does-not-exist/);
  const backoff = await waitFor("ImagePullBackOff", async () => {
    const w = waiting(await podStatus(ctx.agent.client, uid), "c");
    return w?.reason === "ImagePullBackOff" ? w : undefined;
  }, 30_000);
  assert.equal(backoff.message, `Back-off pulling image "${missing}": ErrImagePull: ${err.message}`);
  const s = await podStatus(ctx.agent.client, uid);
  assert.equal(s?.phase, PodPhase.POD_PHASE_PENDING);
});

test("gantry agent --max-layer-bytes 32Mi: a gzip bomb image shows ErrImagePull naming image, registry, layer digest and the flag; nothing is kept", { timeout: 90_000 }, async (t) => {
  const base = await agentDirs();
  const dirs = { ...base, runtimeRoot: path.join(base.dataDir, "runtime"), runcRoot: path.join(base.runDir, "runc") };
  const agent = { current: undefined as AgentProcess | undefined };
  t.after(async () => {
    await agent.current?.stop().catch(() => undefined);
    await forceCleanup(dirs);
  });
  const bomb = await pushBadImage(registry.url, "gantry-test/bomb", await busyboxLayers(), await gzipBombLayer(5 * 1024 ** 3));
  const ref = `${registry.host}/gantry-test/bomb:latest`;
  // Standalone (no master hands out a pod CIDR): pods get loopback only, so the pull is what is tested.
  agent.current = await startAgentCli(dirs, await freePort(), ["--insecure-registry", registry.host, "--max-layer-bytes", "32Mi", "--pod-network", "loopback"]);
  const p = pod("bomb", [{ name: "c", image: ref }]);
  const uid = p.metadata!.uid!;
  const t0 = Date.now();
  await setDesired(agent.current.client, 1, [p]);
  const err = await waitFor("ErrImagePull", async () => {
    const w = waiting(await podStatus(agent.current!.client, uid), "c");
    return w?.reason === "ErrImagePull" ? w : undefined;
  });
  t.diagnostic(`ErrImagePull after ${Date.now() - t0} ms: ${err.message}`);
  assert.equal(
    err.message,
    `image ${ref} (registry ${registry.host}, digest ${bomb.bad.digest}): LimitExceeded: layer 3 of 3: the decompressed size of the layer passes its limit of 32 MiB (33554432 bytes); to pull this image, raise gantry agent --max-layer-bytes`,
  );
  const images = path.join(dirs.dataDir, "images");
  assert.deepEqual(await fs.readdir(path.join(images, "layers")), [], "no layer is kept");
  assert.deepEqual(await fs.readdir(path.join(images, "tmp")), [], "no staging dir is left");
  assert.deepEqual(await fs.readdir(path.join(images, "blobs", "sha256")), [], "no blob of the refused image is kept");
});

test("PullImage streams layer progress and the result; GetNodeStatus reports the node", { timeout: 60_000 }, async (t) => {
  const ctx = await setup(t);
  const progress = await collect<PullImageProgress>(ctx.agent.client.pullImage({ image: image("busybox") }));
  const done = progress.at(-1)?.progress;
  assert.equal(done?.$case, "done");
  if (done?.$case !== "done") return;
  assert.equal(done.done.imageRef, image("busybox"));
  assert.match(done.done.imageDigest, /^sha256:[0-9a-f]{64}$/);
  assert.match(done.done.imageId, /^sha256:[0-9a-f]{64}$/);
  const layers = progress.flatMap((m) => (m.progress?.$case === "layer" ? [m.progress.layer] : []));
  assert.ok(layers.some((l) => l.state === LayerProgress_State.STATE_DONE));
  const again = await collect<PullImageProgress>(ctx.agent.client.pullImage({ image: image("busybox") }));
  assert.ok(again.some((m) => m.progress?.$case === "layer" && m.progress.layer.state === LayerProgress_State.STATE_ALREADY_EXISTS));
  await assert.rejects(collect(ctx.agent.client.pullImage({ image: `${registry.host}/gantry-test/nope:1` })), (e: ServiceError) => e.code === Code.NOT_FOUND);

  const node = await new Promise<import("../proto/gen/agent").NodeStatus>((resolve, reject) => ctx.agent.client.getNodeStatus({}, (e, r) => (e ? reject(e) : resolve(r))));
  assert.equal(node.capacity.pods, "110");
  assert.match(node.nodeInfo?.containerRuntimeVersion ?? "", /^runc:\/\//);
  assert.equal(node.nodeInfo?.agentVersion, "v1.32.0-gantry");
  assert.ok(node.images.some((i) => i.names.includes(image("busybox"))));
});
