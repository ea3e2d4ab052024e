// A real cluster session, as a user would type it: one `gantry master` and two `gantry agent`s,
// each in its own test host (network namespace), a real registry with the demo images, and the
// real kubectl (v1.32) in a client host. Each step of the session is asserted: nodes, a
// Deployment placed and running, placement by cpu requests, scale, rollout / history / undo,
// expose, logs, exec -it, cp, cordon / uncordon, drain, cascading delete, and an agent killed with
// SIGKILL whose pods (tolerating unreachable for 5 s) are recreated on the other node.
//
// The last test waits out the default 40 s node grace period (`--node-monitor-grace-period`), the
// same a user gets; everything is removed in after(), also when a test fails.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startCluster, type GantryCluster } from "./helpers/cluster";
import { watchWithKubectl } from "./helpers/kubectl-watch";
import { startTerminal } from "./helpers/terminal";
import { waitFor } from "./helpers/wait";

const NODES = ["node-a", "node-b"];
let c: GantryCluster;
let img = (tag: string) => tag;



interface Pod {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { phase?: string; containerStatuses?: { ready: boolean }[]; conditions?: { type: string; status: string }[] };
}

async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await c.kubectlOk(["get", "pods", "-l", selector, "-o", "json"])) as { items: Pod[] }).items;
}

const live = (p: Pod) => !p.metadata.deletionTimestamp;
const running = (p: Pod) => live(p) && p.status.phase === "Running" && (p.status.containerStatuses ?? []).every((s) => s.ready);
/** Available in the Deployment sense (minReadySeconds 0): the Ready condition is True. */
const ready = (p: Pod) => (p.status.conditions ?? []).some((cond) => cond.type === "Ready" && cond.status === "True");

/** `kubectl get pods -o wide` rows: name, ready, status, node. */
function wideRows(out: string): { name: string; ready: string; status: string; node: string }[] {
  return out
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+\d+(?: \([^)]*\))?\s+\S+\s+\S+\s+(\S+)/.exec(line);
      if (!m) throw new Error(`unexpected -o wide row: ${line}`);
      return { name: m[1], ready: m[2], status: m[3], node: m[4] };
    });
}

/** Polls until `n` web pods (no terminating ones) run, all on Ready nodes; returns them. */
async function webRunning(n: number, image?: string, timeoutMs = 120_000): Promise<Pod[]> {
  return waitFor(`${n} web pods Running${image ? ` with ${image}` : ""}`, async () => {
    const all = await pods("app=web");
    if (all.length !== n || !all.every(running)) return undefined;
    if (image && !all.every((p) => p.spec.containers[0].image === image)) return undefined;
    return all;
  }, timeoutMs);
}

async function page(pod: string): Promise<string> {
  return waitFor(`a page from ${pod}`, async () => {
    const r = await c.kubectl(["exec", pod, "--", "wget", "-qO-", "http://127.0.0.1:8080/"], { timeoutMs: 20_000 });
    return r.code === 0 ? r.stdout : undefined;
  }, 30_000);
}

function bigPod(name: string, cpu: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "big" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: img("gantry/busybox:1"), command: ["sleep", "3600"], resources: { requests: { cpu } } }],
    },
  });
}

before(async () => {
  c = await startCluster({ agents: NODES });
  img = (name: string) => `${c.registry}/${name}`;
});

after(async () => {
  if (!c) return;
  const problems = await c.stop();
  if (problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

describe("a 1-master, 2-agent cluster driven by kubectl", () => {
  test("kubectl get nodes: both nodes Ready", async () => {
    const out = await c.kubectlOk(["get", "nodes"]);
    for (const n of NODES) assert.match(out, new RegExp(`^${n}\\s+Ready\\s`, "m"), out);
  });

  test("kubectl create deployment: 4 pods Running on Ready nodes (get pods -o wide)", async () => {
    await c.kubectlOk(["create", "deployment", "web", `--image=${img("gantry/web:1")}`, "--replicas=4"]);
    await webRunning(4).catch(async (err: Error) => {
      const states = await c.kubectlOk(["get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].state}{\"\\n\"}{end}"]);
      throw new Error(`${err.message}\n${await c.kubectlOk(["get", "pods", "-o", "wide"])}\n${states}\n${c.agents.map((a) => `--- ${a.name}:\n${a.output().slice(-2000)}`).join("\n")}`);
    });
    const rows = wideRows(await c.kubectlOk(["get", "pods", "-l", "app=web", "-o", "wide"]));
    assert.equal(rows.length, 4);
    for (const r of rows) {
      assert.equal(r.status, "Running", JSON.stringify(r));
      assert.equal(r.ready, "1/1");
      assert.ok(NODES.includes(r.node), `pod ${r.name} on ${r.node}`);
    }
    // `kubectl describe pod` lists the events in the order they happened.
    const described = await c.kubectlOk(["describe", "pod", rows[0].name]);
    const reasons = described
      .slice(described.indexOf("\nEvents:"))
      .split("\n")
      .map((line) => /^\s+(?:Normal|Warning)\s+(\S+)/.exec(line)?.[1])
      .filter((r): r is string => r !== undefined);
    const at = (reason: string) => reasons.indexOf(reason);
    assert.ok(at("Scheduled") === 0 && at("Scheduled") < at("Created") && at("Created") < at("Started"), `events out of order: ${reasons.join(", ")}`);
  });

  test("kubectl set image on 4 replicas, watched: never fewer than replicas - maxUnavailable available; rollout status, history, undo", { timeout: 300_000 }, async (t) => {
    // `kubectl create deployment` leaves the defaults: RollingUpdate, maxSurge 25% -> 1 and
    // maxUnavailable 25% -> 1 of 4 replicas. A watching user must never see fewer than 3
    // available (Ready, not terminating) pods, nor more than 5 that are not terminating.
    const watch = watchWithKubectl<Pod>(c.client, [...c.kubectlPrefix(), "get", "pods", "-l", "app=web"]);
    const current = new Map<string, Pod>();
    let armed = false;
    let minAvailable = Infinity;
    let maxLive = 0;
    const available = () => [...current.values()].filter(ready).length;
    watch.onEvent(({ type, object }) => {
      if (type === "BOOKMARK" || type === "ERROR") return;
      if (type === "DELETED" || object.metadata.deletionTimestamp) current.delete(object.metadata.name);
      else current.set(object.metadata.name, object);
      // The listing at the start adds the 4 pods one by one: count from the moment all are seen.
      if (!armed && available() >= 4) armed = true;
      if (!armed) return;
      minAvailable = Math.min(minAvailable, available());
      maxLive = Math.max(maxLive, current.size);
    });
    try {
      await waitFor("the watch to list the 4 running pods", async () => armed, 30_000);

      await c.kubectlOk(["set", "image", "deploy/web", `web=${img("gantry/web:2")}`]);
      const status = await c.kubectlOk(["rollout", "status", "deploy/web", "--timeout=180s"], { timeoutMs: 190_000 });
      assert.match(status, /successfully rolled out/);
      const v2 = await webRunning(4, img("gantry/web:2"));
      assert.equal(await page(v2[0].metadata.name), "web v2\n");
      const history = await c.kubectlOk(["rollout", "history", "deploy/web"]);
      assert.match(history, /^1\s/m, history);
      assert.match(history, /^2\s/m, history);

      await c.kubectlOk(["rollout", "undo", "deploy/web"]);
      assert.match(await c.kubectlOk(["rollout", "status", "deploy/web", "--timeout=180s"], { timeoutMs: 190_000 }), /successfully rolled out/);
      const v1 = await webRunning(4, img("gantry/web:1"));
      assert.equal(await page(v1[0].metadata.name), "web v1\n");
    } finally {
      await watch.stop();
    }
    const images = new Set(watch.events.map((e) => e.object.spec.containers[0].image));
    assert.ok(images.has(img("gantry/web:2")) && images.has(img("gantry/web:1")), `the watch saw both images: ${[...images].join(", ")}\n${watch.stderr()}`);
    t.diagnostic(`watched ${watch.events.length} pod events: at least ${minAvailable} available, at most ${maxLive} not terminating`);
    assert.ok(minAvailable >= 3, `only ${minAvailable} pods were available at one point (${watch.events.length} events watched)`);
    assert.ok(maxLive <= 5, `${maxLive} non-terminating pods at once exceed replicas + maxSurge`);
  });

  test("kubectl scale deploy/web --replicas=2", async () => {
    await c.kubectlOk(["scale", "deploy/web", "--replicas=2"]);
    await webRunning(2);
    assert.match(await c.kubectlOk(["get", "deploy", "web"]), /^web\s+2\/2\s+2\s+2\s/m);
  });

  test("cpu requests: a pod that does not fit next to another goes to the other node; a third shows 0/2 nodes are available", async () => {
    const q = (await c.kubectlOk(["get", "node", NODES[0], "-o", "jsonpath={.status.allocatable.cpu}"])).trim();
    const milli = q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
    assert.ok(milli > 0, `allocatable cpu ${q}`);
    const cpu = `${Math.floor(milli * 0.75)}m`;
    try {
      await c.kubectlOk(["create", "-f", "-"], { input: bigPod("big-1", cpu) });
      const first = await waitFor("big-1 scheduled", async () => (await pods("app=big")).find((p) => p.metadata.name === "big-1")?.spec.nodeName);
      await c.kubectlOk(["create", "-f", "-"], { input: bigPod("big-2", cpu) });
      const second = await waitFor("big-2 scheduled", async () => (await pods("app=big")).find((p) => p.metadata.name === "big-2")?.spec.nodeName);
      assert.notEqual(second, first, `both ${cpu} pods on ${first}`);
      await waitFor("big-1 and big-2 Running", async () => (await pods("app=big")).filter(running).length === 2, 60_000);
      await c.kubectlOk(["create", "-f", "-"], { input: bigPod("big-3", cpu) });
      const described = await waitFor("big-3 FailedScheduling", async () => {
        const d = await c.kubectlOk(["describe", "pod", "big-3"]);
        return /0\/2 nodes are available/.test(d) ? d : undefined;
      }, 30_000);
      assert.match(described, /Status:\s+Pending/);
    } finally {
      await c.kubectl(["delete", "pods", "-l", "app=big", "--grace-period=1", "--timeout=60s"], { timeoutMs: 70_000 });
    }
  });

  test("kubectl expose deploy/web creates the Service", async () => {
    await c.kubectlOk(["expose", "deploy/web", "--port", "80", "--target-port", "8080"]);
    const svc = JSON.parse(await c.kubectlOk(["get", "svc", "web", "-o", "json"])) as { spec: { clusterIP: string; selector: Record<string, string>; ports: { port: number; targetPort: number }[] } };
    assert.deepEqual(svc.spec.selector, { app: "web" });
    assert.equal(svc.spec.ports[0].port, 80);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
  });

  test("kubectl logs deploy/web --tail 1 and logs -l app=web", async () => {
    const one = await c.kubectl(["logs", "deploy/web", "--tail", "1"]);
    assert.equal(one.code, 0, one.stderr);
    assert.ok(one.stdout.split("\n").filter(Boolean).length <= 1, one.stdout);
    const sel = await c.kubectl(["logs", "-l", "app=web"]);
    assert.equal(sel.code, 0, sel.stderr);
  });

  test("kubectl exec -it answers on a terminal", async () => {
    const pod = (await pods("app=web")).filter(running)[0].metadata.name;
    const term = startTerminal(c.client, `timeout --foreground 20 kubectl ${c.kubectlPrefix().join(" ")} exec -it ${pod} -- sh`);
    try {
      await term.expect("a shell prompt", /[#$] /, 20_000);
      term.type("echo $((6*7)); cat /www/index.html; tty\r");
      await term.expect("the answer", /\n42\r*\n[^]*web v1/, 10_000);
      await term.expect("a terminal inside", /\/dev\/pts\/\d+/, 5_000);
      term.type("exit 0\r");
      assert.equal(await term.exitCode(), 0, term.output());
    } finally {
      term.kill();
    }
  });

  test("kubectl cp into and out of a busybox pod (tar runs in the container)", async () => {
    const pod = "cp-shell";
    const local = await mkdtemp(path.join(os.tmpdir(), "gantry-kubectl-cp-"));
    try {
      await c.kubectlOk(["run", pod, "--image", img("gantry/busybox:1"), "--restart=Never", "--", "sleep", "3600"]);
      await waitFor(`${pod} Running`, async () => (await c.kubectl(["get", "pod", pod, "-o", "jsonpath={.status.phase}"])).stdout === "Running", 60_000);
      const content = `copied by kubectl cp ${Date.now()}\n`;
      await writeFile(path.join(local, "in.txt"), content);
      await c.kubectlOk(["cp", path.join(local, "in.txt"), `default/${pod}:/tmp/in.txt`]);
      assert.equal(await c.kubectlOk(["exec", pod, "--", "cat", "/tmp/in.txt"]), content);
      await c.kubectlOk(["cp", `default/${pod}:/tmp/in.txt`, path.join(local, "out.txt")]);
      assert.equal(await readFile(path.join(local, "out.txt"), "utf8"), content);
    } finally {
      await c.kubectl(["delete", "pod", pod, "--grace-period=1", "--ignore-not-found"], { timeoutMs: 60_000 });
      await rm(local, { recursive: true, force: true });
    }
  });

  test("kubectl cordon / uncordon", async () => {
    await c.kubectlOk(["cordon", NODES[1]]);
    assert.match(await c.kubectlOk(["get", "node", NODES[1]]), new RegExp(`^${NODES[1]}\\s+Ready,SchedulingDisabled\\s`, "m"));
    const spec = JSON.parse(await c.kubectlOk(["get", "node", NODES[1], "-o", "json"])) as { spec: { unschedulable?: boolean } };
    assert.equal(spec.spec.unschedulable, true);
    await c.kubectlOk(["uncordon", NODES[1]]);
    assert.match(await c.kubectlOk(["get", "node", NODES[1]]), new RegExp(`^${NODES[1]}\\s+Ready\\s`, "m"));
  });

  test("kubectl drain moves the pods to the other node", async () => {
    const before = (await pods("app=web")).filter(running);
    const counts = new Map<string, number>();
    for (const p of before) counts.set(p.spec.nodeName!, (counts.get(p.spec.nodeName!) ?? 0) + 1);
    const drained = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const other = NODES.find((n) => n !== drained)!;
    try {
      const r = await c.kubectl(["drain", drained, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=90s"], { timeoutMs: 100_000 });
      assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
      assert.match(r.stdout, new RegExp(`node/${drained} drained`));
      const after = await webRunning(2);
      for (const p of after) assert.equal(p.spec.nodeName, other, `${p.metadata.name} on ${p.spec.nodeName}`);
      assert.match(await c.kubectlOk(["get", "node", drained]), /SchedulingDisabled/);
    } finally {
      await c.kubectl(["uncordon", drained]);
    }
  });

  test("kubectl delete deploy web cascades: pods gone, containers gone on the agents", async () => {
    await c.kubectlOk(["delete", "deploy", "web"]);
    await waitFor("no web pods", async () => (await pods("app=web")).length === 0, 90_000);
    assert.match(await c.kubectlOk(["get", "rs"]).catch(() => ""), /^$|No resources/);
    await waitFor("no containers on the agents", async () => {
      for (const a of c.agents) if ((await a.containers()).length > 0) return false;
      return true;
    }, 60_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await Promise.all(c.agents.map(async (a) => [a.name, await a.containers()])))}`);
    });
  });

  test("kill -9 of an agent: pods tolerating unreachable for 5 s are recreated on the other node", { timeout: 180_000 }, async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "survivor", namespace: "default" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "survivor" } },
        template: {
          metadata: { labels: { app: "survivor" } },
          spec: {
            terminationGracePeriodSeconds: 1,
            tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }],
            containers: [{ name: "main", image: img("gantry/busybox:1"), command: ["sleep", "3600"] }],
          },
        },
      },
    };
    await c.kubectlOk(["create", "-f", "-"], { input: JSON.stringify(deployment) });
    const first = await waitFor("2 survivors Running", async () => {
      const all = await pods("app=survivor");
      return all.length === 2 && all.every(running) ? all : undefined;
    }, 90_000);
    const victim = first[0].spec.nodeName!;
    const other = NODES.find((n) => n !== victim)!;
    const killedAt = Date.now();
    await c.agent(victim).kill("SIGKILL");
    await waitFor(`${victim} NotReady`, async () => new RegExp(`^${victim}\\s+NotReady`, "m").test(await c.kubectlOk(["get", "nodes"])), 90_000);
    const notReadyAfter = Date.now() - killedAt;
    const moved = await waitFor("2 survivors Running on the other node", async () => {
      const all = (await pods("app=survivor")).filter(live);
      return all.length === 2 && all.every((p) => running(p) && p.spec.nodeName === other) ? all : undefined;
    }, 60_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await c.kubectlOk(["get", "pods", "-o", "wide"])}`);
    });
    assert.equal(moved.length, 2);
    console.log(`node ${victim} NotReady ${notReadyAfter} ms after the kill; pods on ${other} ${Date.now() - killedAt} ms after`);
  });
});
