// `kubectl debug` against a real cluster (one `gantry master`, one `gantry agent`, the real
// registry and kubectl 1.32 in test hosts): the ephemeral container is added through
// pods/ephemeralcontainers, started by the agent in the target's PID namespace next to the
// running container (which is left alone), attached to with -it on a real terminal, reported in
// status.ephemeralContainerStatuses and readable with kubectl logs -c. Without --target it gets
// a PID namespace of its own. Existing ephemeral containers cannot be changed (422).

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { startCluster, type GantryCluster } from "./helpers/cluster";
import { sleep, waitFor } from "./helpers/wait";

let c: GantryCluster;
let busybox = "";
/** The target's command: distinctive, so `ps` output can only contain it if the debugger sees it. */
const TARGET_CMD = ["sleep", "31337"];

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state?: { running?: { startedAt: string }; terminated?: { exitCode: number; reason: string }; waiting?: { reason: string } };
}
interface Pod {
  spec: { ephemeralContainers?: { name: string; image: string; targetContainerName?: string; stdin?: boolean; tty?: boolean }[] };
  status: { phase?: string; containerStatuses?: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[] };
}

const getPod = async (name: string): Promise<Pod> => parseYaml(await c.kubectlOk(["get", "pod", name, "-o", "yaml"])) as Pod;
const ephemeral = (p: Pod, name: string) => p.status.ephemeralContainerStatuses?.find((s) => s.name === name);

before(async () => {
  c = await startCluster({ agents: ["node-a"] });
  busybox = `${c.registry}/gantry/busybox:1`;
  await c.kubectlOk(["run", "web", `--image=${busybox}`, "--restart=Never", "--overrides", JSON.stringify({ spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: busybox, command: TARGET_CMD }] } })]);
  await waitFor("web Running", async () => (await getPod("web")).status.phase === "Running", 90_000);
});

after(async () => {
  if (!c) return;
  const problems = await c.stop();
  if (problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

describe("kubectl debug", () => {
  test("debug -it --target: a shell in the target's process namespace; status and logs of the ephemeral container", { timeout: 120_000 }, async () => {
    const appBefore = (await getPod("web")).status.containerStatuses![0];
    const cmd = `timeout --foreground 60 kubectl ${c.kubectlPrefix().join(" ")} debug web -it --image=${busybox} --target=app -c debugger -- sh`;
    const child = c.client.spawn("script", ["-qc", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    const shown = (what: string) => (err: Error) => {
      throw new Error(`${err.message} (${what}); the terminal showed ${JSON.stringify(out)}`);
    };
    try {
      await waitFor("kubectl debug attached", async () => out.includes("If you don't see a command prompt"), 60_000).catch(shown("attach"));
      // The shell may have printed its prompt before kubectl attached: ask for a marker instead.
      await sleep(500);
      child.stdin!.write("echo marker-$((6*7)); ps -o pid,args\r");
      await waitFor("ps output", async () => out.includes("marker-42") && out.includes(TARGET_CMD.join(" ")), 20_000).catch(shown("ps"));
      child.stdin!.write("exit 0\r");
      assert.equal(await Promise.race([done, sleep(30_000).then(() => -2)]), 0, out);
    } finally {
      child.kill("SIGKILL");
    }
    assert.match(out, /Targeting container "app"/);

    const pod = await waitFor("the debugger's terminated status", async () => {
      const p = await getPod("web");
      return ephemeral(p, "debugger")?.state?.terminated ? p : undefined;
    }, 30_000);
    assert.deepEqual(pod.spec.ephemeralContainers?.map((e) => [e.name, e.image, e.targetContainerName, e.stdin, e.tty]), [["debugger", busybox, "app", true, true]]);
    const status = ephemeral(pod, "debugger")!;
    assert.equal(status.state?.terminated?.exitCode, 0);
    assert.equal(status.ready, false);
    assert.equal(status.restartCount, 0);
    assert.match(status.containerID ?? "", /^gantry:\/\/[0-9a-f]{32}$/);
    // The target was not touched: same instance, still running.
    assert.equal(pod.status.phase, "Running");
    const app = pod.status.containerStatuses![0];
    assert.equal(app.containerID, appBefore.containerID);
    assert.equal(app.restartCount, 0);
    assert.ok(app.state?.running);

    // Its log is what the terminal showed (a TTY: one stream).
    const logs = await c.kubectlOk(["logs", "web", "-c", "debugger"]);
    assert.match(logs, /marker-42/);
    assert.ok(logs.includes(TARGET_CMD.join(" ")), logs);
  });

  test("debug without --target: its own process namespace; a second ephemeral container beside the first", { timeout: 90_000 }, async () => {
    await c.kubectlOk(["debug", "web", `--image=${busybox}`, "-c", "solo", "--", "sh", "-c", "ps -o args; echo solo-done"]);
    const pod = await waitFor("solo terminated", async () => {
      const p = await getPod("web");
      return ephemeral(p, "solo")?.state?.terminated ? p : undefined;
    }, 60_000);
    assert.deepEqual(pod.spec.ephemeralContainers?.map((e) => e.name), ["debugger", "solo"]);
    assert.equal(ephemeral(pod, "solo")!.state!.terminated!.exitCode, 0);
    const logs = await c.kubectlOk(["logs", "web", "-c", "solo"]);
    assert.match(logs, /solo-done/);
    assert.ok(!logs.includes(TARGET_CMD.join(" ")), `no target: the app's processes are not visible\n${logs}`);
    assert.equal(pod.status.containerStatuses![0].restartCount, 0);
  });

  test("existing ephemeral containers cannot be changed through the subresource (422)", async () => {
    const pod = JSON.parse(await c.kubectlOk(["get", "pod", "web", "-o", "json"])) as Pod & Record<string, unknown>;
    pod.spec.ephemeralContainers![0].image = `${busybox}-changed`;
    const file = path.join(c.masterDataDir, "..", "debug-change.json");
    await writeFile(file, JSON.stringify(pod));
    const r = await c.kubectl(["replace", "--raw", "/api/v1/namespaces/default/pods/web/ephemeralcontainers", "-f", file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /existing ephemeral containers \\?"debugger\\?" may not be changed/);
    assert.match(r.stderr, /Unprocessable Entity|Invalid|422/i, r.stderr);
  });
});
