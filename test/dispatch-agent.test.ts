// The whole path a user sees, with nothing scripted: a real `gantry master` (etcd, apiserver,
// dispatcher), the real agent (runAgent: runc + conmon, images pulled from a real registry on
// loopback), and the real kubectl. The node registers and shows Ready; a pod placed on it runs
// and shows Running; logs, logs -f, exec (exit codes, a TTY) work through kubectl; a deleted
// pod leaves the node and the API.
//
// Everything made here — containers, mounts, cgroups, directories, processes — is removed in
// after(), also when a test fails.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { runAgent, type RunningAgent } from "../agent/agent";
import { registerNode } from "../agent/registration";
import { removeCgroup } from "../runtime/runc/cgroups";
import { mountsUnder, readMountInfo } from "../runtime/rootfs/mountinfo";
import { pushTestImages, TestRepos } from "./images/build";
import { startRegistry, type TestRegistry } from "./images/registry";
import { ApiClient } from "./helpers/api-client";
import { scriptedAgentCredentials } from "./helpers/scripted-agent-tls";
import { joinNode, type JoinedNode } from "./helpers/join";
import { Kubectl } from "./helpers/kubectl";
import { startMaster, type MasterHandle } from "./helpers/master-process";
import { waitFor } from "./helpers/wait";

const NODE = "worker-1";
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));


function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(cmd, args, (_err, stdout) => resolve(stdout)));
}

let registry: TestRegistry | undefined;
let master: MasterHandle | undefined;
let agent: RunningAgent | undefined;
let kubectl: Kubectl;
let api: ApiClient;
let base = "";
const cgroupParent = `/gantry-e2e-${randomBytes(4).toString("hex")}`;
let image = "";
let agentLog = "";
let joined: JoinedNode | undefined;

before(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-agent-e2e-"));
  registry = await startRegistry();
  await pushTestImages(registry.url);
  image = `${registry.host}/${TestRepos.busybox}:latest`;
  master = await startMaster();
  kubectl = new Kubectl(master.kubeconfig);
  api = new ApiClient(master.kubeconfig);
  const logger = pino({ level: "info" }, { write: (s: string) => void (agentLog += s) });
  agent = await runAgent({
    nodeName: NODE,
    dataDir: path.join(base, "data"),
    runDir: path.join(base, "run"),
    listenAddress: "127.0.0.1",
    port: 0,
    nodeIP: "127.0.0.1",
    cgroupParent,
    insecureRegistries: [registry.host],
    // In the machine's own network namespace: no bridge or routes, leave its nftables alone, and
    // no DNS server on its addresses.
    podNetwork: "loopback",
    serviceProxy: false,
    dns: false,
    logger,
    // The master dials agents over mutual TLS: a serving certificate for this node from its CA.
    serverCredentials: await scriptedAgentCredentials(master.dataDir, NODE),
  });
  // The node's own identity, from a real TLS bootstrap with a bootstrap token.
  joined = await joinNode(master.kubeconfig, NODE);
  await registerNode({
    api: joined.identity.api,
    nodeName: NODE,
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
    port: agent.port,
    capacity: { cpu: String(os.cpus().length), memory: String(os.totalmem()), pods: "110" },
    allocatable: { cpu: String(os.cpus().length), memory: String(os.totalmem()), pods: "110" },
    nodeInfo: { kubeletVersion: "v1.32.0-gantry" },
  });
});

after(async () => {
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  // Pods first, through the normal path, so the agent removes its containers itself.
  if (master && agent) await step("delete pods", () => kubectl.run(["delete", "pods", "--all", "--grace-period=1", "--timeout=40s"]));
  await step("agent stop", async () => agent?.stop());
  // Whatever is left (a failed test, a stuck pod): containers, mounts, cgroups, files.
  const runcRoot = path.join(base, "run", "runc");
  await step("containers", async () => {
    for (const id of (await sh("runc", [`--root=${runcRoot}`, "list", "-q"])).split("\n").filter(Boolean)) {
      await sh("runc", [`--root=${runcRoot}`, "delete", "--force", id]);
    }
  });
  await step("mounts", async () => {
    if (base) for (const m of mountsUnder(await readMountInfo(), base).reverse()) await sh("umount", ["-l", m.mountPoint]);
  });
  await step("cgroups", () => removeCgroup(cgroupParent));
  // The agent's last file writes may still land just after stop(): try again briefly.
  await step("files", async () => {
    for (let i = 0; base && i < 10; i++) {
      try {
        await fs.rm(base, { recursive: true, force: true });
        return;
      } catch (err) {
        if (i === 9) throw err;
        await wait(200);
      }
    }
  });
  api?.close();
  kubectl?.cleanup();
  await step("master", async () => master?.stop());
  await step("node identity files", async () => joined?.cleanup());
  await step("registry", async () => registry?.stop());
  if (problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

function podJson(name: string, script: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 3,
      containers: [{ name: "main", image, command: ["/bin/sh", "-c", script] }],
    },
  });
}

describe("the real agent behind the real master, driven by kubectl", () => {
  test("the registered node shows Ready", async () => {
    const out = await kubectl.ok(["get", "nodes"]);
    assert.match(out, new RegExp(`${NODE}\\s+Ready`));
    // The session's NodeStatus replaces what registration wrote.
    await waitFor("node status from the agent session", async () => {
      const n = (await api.request("GET", `/api/v1/nodes/${NODE}`)).json<{ status: { nodeInfo: { containerRuntimeVersion: string } } }>();
      return n.status.nodeInfo.containerRuntimeVersion.startsWith("runc") || undefined;
    }, 30_000);
  });

  test("a pod placed on the node runs and shows Running", async () => {
    await kubectl.ok(["create", "-f", "-"], { stdin: podJson("ticker", "trap 'exit 0' TERM; echo started; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done") });
    await waitFor("ticker Running", async () => /ticker\s+1\/1\s+Running/.test(await kubectl.ok(["get", "pods", "ticker"])), 90_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await kubectl.ok(["get", "pod", "ticker", "-o", "yaml"])}\nagent log:\n${agentLog.slice(-4000)}`);
    });
  });

  test("kubectl logs and logs -f", async () => {
    const logs = await waitFor("the first lines", async () => {
      const out = await kubectl.ok(["logs", "ticker"]);
      return out.includes("tick 1") ? out : undefined;
    }, 20_000);
    assert.ok(logs.startsWith("started\n"), logs);
    assert.equal((await kubectl.ok(["logs", "ticker", "--tail=1"])).split("\n").filter(Boolean).length, 1);

    const follow = kubectl.spawn(["logs", "-f", "ticker", "--tail=1"]);
    let text = "";
    follow.stdout!.on("data", (d) => (text += d));
    try {
      const first = await waitFor("a first followed line", () => /tick (\d+)/.exec(text)?.[1], 15_000);
      await waitFor("a later followed line", () => new RegExp(`tick ${Number(first) + 2}\\b`).test(text), 15_000);
    } finally {
      follow.kill();
    }
  });

  test("kubectl exec runs in the container and passes exit codes through", async () => {
    assert.equal(await kubectl.ok(["exec", "ticker", "--", "echo", "hi"]), "hi\n");
    assert.equal(await kubectl.ok(["exec", "ticker", "--", "cat", "/hello.txt"]), "hello from gantry\n");
    const failed = await kubectl.run(["exec", "ticker", "--", "sh", "-c", "exit 3"]);
    assert.equal(failed.code, 3, failed.stderr);
    assert.equal(await kubectl.ok(["exec", "-i", "ticker", "--", "cat"], { stdin: "through stdin\n" }), "through stdin\n");
  });

  test("kubectl exec -it answers on a terminal", async () => {
    const cmd = `timeout --foreground 20 kubectl --kubeconfig ${kubectl.kubeconfig} --cache-dir ${kubectl.cacheDir} exec -it ticker -- sh`;
    const child = spawn("script", ["-qc", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    try {
      await waitFor("a shell prompt", () => /[#$] $/m.test(out) || out.includes("# "), 15_000).catch((err: Error) => {
        throw new Error(`${err.message}; the terminal showed ${JSON.stringify(out)}`);
      });
      child.stdin.write("echo $((6*7)); tty\r");
      await waitFor("the answer", () => /\r?\n42\r?\n/.test(out), 10_000).catch((err: Error) => {
        throw new Error(`${err.message}; the terminal showed ${JSON.stringify(out)}`);
      });
      await waitFor("a terminal inside", () => /\/dev\/pts\/\d+/.test(out), 5_000);
      child.stdin.write("exit 0\r");
      assert.equal(await Promise.race([exited, wait(15_000).then(() => -2)]), 0, out);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("kubectl attach streams the main process's output as it is written", async () => {
    const attach = kubectl.spawn(["attach", "ticker"]);
    let text = "";
    attach.stdout!.on("data", (d) => (text += d));
    attach.stderr!.on("data", (d) => (text += d));
    try {
      await waitFor("ticks through attach", () => (text.match(/tick \d+/g) ?? []).length >= 2, 15_000).catch((err: Error) => {
        throw new Error(`${err.message}; kubectl showed ${JSON.stringify(text)}`);
      });
    } finally {
      attach.kill();
    }
    assert.ok(!text.includes("started\n"), "attach shows new output, not the log from the start");
  });

  test("kubectl port-forward reaches a server inside the pod", async () => {
    await kubectl.ok(["create", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "httpd", namespace: "default" },
        spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: "httpd", image: `${registry!.host}/${TestRepos.httpd}:latest`, ports: [{ containerPort: 8080 }] }] },
      }),
    });
    await waitFor("httpd Running", async () => /httpd\s+1\/1\s+Running/.test(await kubectl.ok(["get", "pods", "httpd"])), 90_000);
    const pf = kubectl.spawn(["port-forward", "pod/httpd", ":8080"]);
    let out = "";
    pf.stdout!.on("data", (d) => (out += d));
    pf.stderr!.on("data", (d) => (out += d));
    try {
      const local = Number(await waitFor("the forwarding line", () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], 20_000));
      // The server may need a moment after the container starts; retry until it answers.
      const page = await waitFor("the page through the tunnel", async () => {
        const r = await fetch(`http://127.0.0.1:${local}/index.html`);
        return r.status === 200 ? r.text() : undefined;
      }, 20_000);
      assert.equal(page, "<h1>gantry httpd test page</h1>\n");
      const again = await fetch(`http://127.0.0.1:${local}/index.html`, { headers: { Connection: "close" } });
      assert.equal(again.status, 200);
      await again.text();
    } finally {
      pf.kill();
    }
    await kubectl.ok(["delete", "pod", "httpd", "--timeout=60s"]);
  });

  test("the main flow: a Deployment's pods are scheduled, dispatched and run", async () => {
    await kubectl.ok(["create", "deployment", "sleepers", `--image=${image}`, "--replicas=2", "--", "sleep", "3600"]);
    try {
      const out = await waitFor("two sleepers Running", async () => {
        const o = await kubectl.ok(["get", "pods", "-l", "app=sleepers", "-o", "wide"]);
        return (o.match(new RegExp(`1/1\\s+Running\\s+\\d+\\s+\\S+\\s+\\S+\\s+${NODE}`, "g")) ?? []).length === 2 ? o : undefined;
      }, 120_000);
      assert.match(out, /sleepers-/);
    } finally {
      await kubectl.run(["delete", "deployment", "sleepers"]);
    }
  });

  test("kubectl delete: the pod leaves the node, then the API", async () => {
    const started = Date.now();
    await kubectl.ok(["delete", "pod", "ticker", "--timeout=60s"]);
    assert.ok(Date.now() - started < 30_000, `deletion took ${Date.now() - started} ms`);
    assert.equal((await api.request("GET", "/api/v1/namespaces/default/pods/ticker")).status, 404);
    const runcRoot = path.join(base, "run", "runc");
    // Every pod deleted by this file is gone from the node in the end. Containers whose PID 1
    // ignores SIGTERM (busybox httpd) take their full 30 s grace period before SIGKILL.
    await waitFor("no containers left on the node", async () => (await sh("runc", [`--root=${runcRoot}`, "list", "-q"])).trim() === "", 75_000);
  });
});
