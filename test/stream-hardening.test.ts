// Nothing a client does to a stream can take a daemon down. One master and one agent, each in
// its own test host, real runc/conmon and the real kubectl (1.32, and 1.20 for SPDY exec) in a
// client host. Every streaming path (exec and attach over WebSocket and SPDY, logs,
// port-forward, image pulls, the master session) is driven to the awkward points: the peer
// disconnects, half-closes, stops reading, or keeps writing after the other side ended. Through
// all of it the agent and the master keep their pids, their memory stays bounded, and the node
// stays Ready with fresh heartbeats.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { AGENT_PORT, API_PORT, startCluster, type GantryCluster } from "./helpers/cluster";
import { requireKubectl120 } from "./helpers/old-kubectl";
import type { AbuseArgs } from "./helpers/stream-abuser";
import { waitFor } from "./helpers/wait";

const ABUSER = path.resolve(__dirname, "helpers/stream-abuser.js");

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

describe("streams: no client behaviour ends a daemon", { timeout: 600_000 }, () => {
  let cluster: GantryCluster;
  let scratch = "";
  let agentPid = 0;
  let masterPid = 0;
  let args: AbuseArgs;
  const startRss = { agent: 0, master: 0 };

  const shell = (script: string, timeoutMs = 60_000) => cluster.client.exec("sh", ["-c", script], { timeoutMs });
  const kubectlLine = () => ["kubectl", ...cluster.kubectlPrefix()].join(" ");

  /** The daemons are the same processes as at the start, and their memory stayed bounded. */
  const assertDaemonsAlive = (what: string) => {
    const agent = cluster.agent("node-a");
    assert.equal(agent.pid(), agentPid, `the agent died after ${what}:\n${agent.output().slice(-3000)}`);
    assert.equal(cluster.masterPid(), masterPid, `the master died after ${what}:\n${cluster.masterOutput().slice(-3000)}`);
    const grown = { agent: rssKiB(agentPid) - startRss.agent, master: rssKiB(masterPid) - startRss.master };
    assert.ok(grown.agent < 256 * 1024 && grown.master < 256 * 1024, `memory grew by ${JSON.stringify(grown)} KiB after ${what}`);
  };

  before(async () => {
    cluster = await startCluster({ agents: ["node-a"] });
    scratch = await mkdtemp(path.join(os.tmpdir(), "gantry-streams-"));
    const busybox = `${cluster.registry}/gantry/busybox:1`;
    const manifest = (name: string, image: string, command: string[] | undefined, extra = "") =>
      [
        "apiVersion: v1",
        "kind: Pod",
        `metadata: {name: ${name}}`,
        "spec:",
        "  terminationGracePeriodSeconds: 1",
        "  containers:",
        `  - name: c`,
        `    image: ${image}`,
        command ? `    command: ${JSON.stringify(command)}` : "",
        extra,
      ].join("\n");
    const pods = [
      manifest("sleeper", busybox, ["sleep", "3600"]),
      // Writes its log as fast as a tenth of a CPU allows.
      manifest("spewer", busybox, ["sh", "-c", "while :; do echo 0123456789abcdef0123456789abcdef; done"], "    resources: {limits: {cpu: 100m}}"),
      manifest("web", `${cluster.registry}/gantry/web:1`, undefined),
    ].join("\n---\n");
    await cluster.kubectlOk(["apply", "-f", "-"], { input: pods });
    await cluster.kubectlOk(["wait", "--for=condition=Ready", "pod/sleeper", "pod/spewer", "pod/web", "--timeout=120s"], { timeoutMs: 130_000 });
    agentPid = cluster.agent("node-a").pid()!;
    masterPid = cluster.masterPid()!;
    startRss.agent = rssKiB(agentPid);
    startRss.master = rssKiB(masterPid);
    args = {
      agent: `${cluster.agent("node-a").host.address}:${AGENT_PORT}`,
      masterDataDir: cluster.masterDataDir,
      server: `https://${cluster.masterHost.address}:${API_PORT}`,
      kubeconfig: cluster.kubeconfig,
      namespace: "default",
      sleeper: "sleeper",
      spewer: "spewer",
      web: "web",
      image: busybox,
    };
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    const problems = await cluster?.stop();
    if (problems?.length) throw new Error(`cleanup: ${problems.join("; ")}`);
  });

  test("kubectl exec -i with stdin still arriving after the command exited (the EPIPE crash)", async (t) => {
    const r = await shell(`head -c 3000000 /dev/urandom | ${kubectlLine()} exec -i sleeper -- true`);
    t.diagnostic(`kubectl exited ${r.code} ${r.stderr.trim()}`);
    // Also a command that cannot start at all: kubectl cp into an image without the tool.
    const missing = await shell(`head -c 3000000 /dev/urandom | ${kubectlLine()} exec -i sleeper -- /no/such/tar -xf -`);
    assert.notEqual(missing.code, 0);
    assertDaemonsAlive("stdin after exit");
  });

  test("kubectl cp of a 3 MB file into a pod and back gives the same bytes", async () => {
    const original = path.join(scratch, "payload.bin");
    const back = path.join(scratch, "payload.back");
    const bytes = randomBytes(3_000_000);
    await writeFile(original, bytes);
    await cluster.kubectlOk(["cp", original, "default/sleeper:/tmp/payload.bin"], { timeoutMs: 120_000 });
    await cluster.kubectlOk(["cp", "default/sleeper:/tmp/payload.bin", back], { timeoutMs: 120_000 });
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    assert.equal(sha(readFileSync(back)), sha(bytes));
    assertDaemonsAlive("kubectl cp");
  });

  test("kubectl exec, logs -f and port-forward killed mid-stream, or not read", async () => {
    const prefix = kubectlLine();
    // Killed while output flows.
    await shell(`${prefix} exec sleeper -- sh -c 'while :; do echo 0123456789; done' > /dev/null & p=$!; sleep 1.5; kill -9 $p; wait $p; true`);
    await shell(`${prefix} logs -f spewer > /dev/null & p=$!; sleep 1.5; kill -9 $p; wait $p; true`);
    // Output not read at all: kubectl blocks on a full pipe, the master and agent must hold back.
    await shell(`mkfifo ${scratch}/stuck; (${prefix} exec sleeper -- cat /dev/zero > ${scratch}/stuck) & p=$!; sleep 3; kill -9 $p; wait $p; rm ${scratch}/stuck; true`);
    await shell(`mkfifo ${scratch}/stuck2; (${prefix} logs -f spewer > ${scratch}/stuck2) & p=$!; sleep 3; kill -9 $p; wait $p; rm ${scratch}/stuck2; true`);
    // Port-forward: a normal request, a 3 MB upload the server stops reading, then kubectl dies
    // with a connection open.
    const pf = await shell(
      [
        `${prefix} port-forward pod/web 18080:8080 > ${scratch}/pf.log 2>&1 & p=$!`,
        "for i in $(seq 50); do curl -s -m 2 http://127.0.0.1:18080/ > " + `${scratch}/pf.out && break; sleep 0.2; done`,
        `head -c 3000000 /dev/urandom > ${scratch}/upload; curl -s -m 5 -X POST --data-binary @${scratch}/upload http://127.0.0.1:18080/ > /dev/null; true`,
        "(sleep 0.2; curl -s -m 10 http://127.0.0.1:18080/ > /dev/null) & c=$!",
        "sleep 0.1; kill -9 $p; wait $p; wait $c; true",
        `cat ${scratch}/pf.out`,
      ].join("\n"),
    );
    assert.match(pf.stdout, /web v1/, `port-forward answered: ${pf.stdout} ${pf.stderr}`);
    assertDaemonsAlive("kubectl killed mid-stream");
  });

  test("kubectl 1.20 (SPDY) exec and cp: killed mid-stream, not read, stdin still arriving after the exit", async () => {
    const old = [requireKubectl120(), "--kubeconfig", cluster.kubeconfig, "--cache-dir", path.join(scratch, "cache-1.20")].join(" ");
    await shell(`${old} exec sleeper -- sh -c 'while :; do echo 0123456789; done' > /dev/null & p=$!; sleep 1.5; kill -9 $p; wait $p; true`);
    await shell(`mkfifo ${scratch}/stuck-old; (${old} exec sleeper -- cat /dev/zero > ${scratch}/stuck-old) & p=$!; sleep 3; kill -9 $p; wait $p; rm ${scratch}/stuck-old; true`);
    const r = await shell(`head -c 3000000 /dev/urandom | ${old} exec -i sleeper -- true; echo "exit $?"`);
    assert.match(r.stdout, /exit 0/, r.stderr);
    const original = path.join(scratch, "payload-old.bin");
    await writeFile(original, randomBytes(2_000_000));
    await shell(`${old} cp ${original} default/sleeper:/tmp/payload-old.bin & p=$!; sleep 0.5; kill -9 $p; wait $p; true`);
    assertDaemonsAlive("kubectl 1.20 exec and cp interrupted");
  });

  const scenarios = [
    "grpc-exec-cancel-before-start",
    "grpc-exec-half-close-before-start",
    "grpc-exec-garbage-first",
    "grpc-exec-stdin-after-exit",
    "grpc-exec-tty-stdin-flood",
    "grpc-exec-cancel-mid-output",
    "grpc-exec-stop-reading",
    "grpc-attach-stdin-flood-then-cancel",
    "grpc-logs-cancel-while-following",
    "grpc-logs-stop-reading",
    "grpc-port-forward-refused-then-flood",
    "grpc-port-forward-stop-reading",
    "grpc-port-forward-half-close-then-cancel",
    "grpc-pull-cancel",
    "grpc-session-refused-then-keep-writing",
    "grpc-session-garbage-then-cancel",
    "ws-exec-stdin-after-exit",
    "ws-exec-drop-connection-mid-output",
    "ws-exec-stop-reading",
    "ws-exec-garbage-frames",
    "http-logs-stop-reading-then-drop",
    "spdy-port-forward-garbage",
    "spdy-exec-stdin-after-exit",
    "spdy-exec-drop-connection-mid-output",
    "spdy-exec-stop-reading",
    "spdy-exec-garbage",
  ];
  for (const name of scenarios) {
    test(`raw client: ${name}`, async (t) => {
      const r = await cluster.client.exec(process.execPath, [ABUSER, name, JSON.stringify(args)], { timeoutMs: 60_000 });
      t.diagnostic(r.stdout.trim() || r.stderr.trim());
      assert.ok(r.code === 0, `the scenario did not finish (exit ${r.code}): ${r.stdout}${r.stderr}`);
      assertDaemonsAlive(name);
    });
  }

  test("afterwards the node is Ready with a fresh heartbeat, and exec still works", async (t) => {
    const since = Date.now();
    await waitFor(
      "a node lease renewed after the abuse",
      async () => {
        const renew = (await cluster.kubectl(["get", "lease", "-n", "kube-node-lease", "node-a", "-o", "jsonpath={.spec.renewTime}"])).stdout.trim();
        return renew !== "" && Date.parse(renew) >= since - 1000;
      },
      30_000,
      500,
    );
    const ready = await cluster.kubectlOk(["get", "node", "node-a", "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(ready.trim(), "True");
    assert.equal((await cluster.kubectlOk(["exec", "sleeper", "--", "echo", "still here"])).trim(), "still here");
    t.diagnostic(`RSS now: agent ${rssKiB(agentPid)} KiB (was ${startRss.agent}), master ${rssKiB(masterPid)} KiB (was ${startRss.master})`);
    assertDaemonsAlive("everything");
  });
});
