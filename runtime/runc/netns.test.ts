// Real runc + conmon: containers joined to one network namespace (a pod) share loopback.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { randomBytes } from "node:crypto";
import { readCriLog } from "./cri-log";
import { eventually, run, testRuntime } from "./testing";

async function logText(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readCriLog(file)) out.push(m.content.toString());
  return out;
}

test("two containers in one netns talk over 127.0.0.1 and see the same namespace", async (t) => {
  const ns = `gantry-t-${randomBytes(4).toString("hex")}`;
  await run("ip", ["netns", "add", ns]);
  // Deleting the name only unmounts /run/netns/<ns>; containers still in it keep it alive until
  // the runtime cleanup removes them, so the order of the two cleanups does not matter.
  t.after(() => run("ip", ["netns", "del", ns]).then(() => undefined));
  await run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
  const nsPath = `/run/netns/${ns}`;
  const nsIno = (await fs.stat(nsPath)).ino;

  const { rt, config } = await testRuntime(t);
  await rt.createContainer(config("server", { netnsPath: nsPath, sh: "busybox readlink /proc/self/ns/net; echo hello-from-server | busybox nc -l -p 8080" }));
  await rt.startContainer("server");
  const server = await rt.state("server");
  await eventually(async () => (await logText(server.logPath)).length > 0, 10_000, "server to start");
  // The listener is up once port 8080 (0x1F90) shows as LISTEN (0A) in the namespace's TCP
  // tables (busybox nc listens on the IPv6 wildcard, which takes IPv4 too).
  const listening = /:1F90 0+:0000 0A/;
  await eventually(async () => listening.test((await run("ip", ["netns", "exec", ns, "cat", "/proc/net/tcp", "/proc/net/tcp6"])).stdout), 10_000, "listen");

  await rt.createContainer(config("client", { netnsPath: nsPath, sh: "busybox readlink /proc/self/ns/net; busybox nc 127.0.0.1 8080 </dev/null" }));
  await rt.startContainer("client");
  const client = await eventually(async () => {
    const s = await rt.state("client");
    return s.status === "exited" && s;
  }, 20_000, "client to finish");
  assert.equal(client.exitCode, 0);
  const clientOut = await logText(client.logPath);
  const serverOut = await logText(server.logPath);
  assert.equal(clientOut[1], "hello-from-server");
  assert.equal(clientOut[0], `net:[${nsIno}]`);
  assert.equal(serverOut[0], `net:[${nsIno}]`);

  // Without netnsPath a container gets its own, empty namespace: nothing listens there.
  await rt.createContainer(config("outsider", { sh: "busybox readlink /proc/self/ns/net; busybox nc -w 2 127.0.0.1 8080 </dev/null; echo rc=$?" }));
  await rt.startContainer("outsider");
  const outsider = await eventually(async () => {
    const s = await rt.state("outsider");
    return s.status === "exited" && s;
  }, 20_000, "outsider to finish");
  const outsiderOut = await logText(outsider.logPath);
  assert.notEqual(outsiderOut[0], `net:[${nsIno}]`);
  assert.ok(outsiderOut.includes("rc=1"), JSON.stringify(outsiderOut));
});
