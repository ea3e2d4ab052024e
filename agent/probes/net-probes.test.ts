// HTTP and TCP probes against real servers on loopback, and through a real pod namespace.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { NetnsRegistry } from "../../netns/netns";
import { httpProbe, tcpProbe } from "./net-probes";
import { runProbe } from "./probe-runner";
import type { ContainerRuntime } from "../../runtime/types";

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

test("httpGet: 2xx/3xx succeed, others fail with the status code; refused and slow servers fail", async (t) => {
  const server = http.createServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
    res.statusCode = Number(req.url?.slice(1)) || 200;
    res.setHeader("x-seen", String(req.headers["x-probe"] ?? ""));
    res.end("body");
  });
  const port = await listen(server);
  t.after(() => server.close());
  const get = (p: string, timeoutMs = 1000) => httpProbe({ scheme: "HTTP", host: "127.0.0.1", port, path: p, headers: [{ name: "X-Probe", value: "1" }], timeoutMs });
  assert.deepEqual(await get("/200"), { ok: true, output: "" });
  assert.deepEqual(await get("/302"), { ok: true, output: "" });
  assert.deepEqual(await get("/500"), { ok: false, output: "HTTP probe failed with statuscode: 500" });
  assert.deepEqual(await get("/404"), { ok: false, output: "HTTP probe failed with statuscode: 404" });
  const slow = await get("/slow", 200);
  assert.equal(slow.ok, false);
  assert.match(slow.output, /context deadline exceeded/);
  server.closeAllConnections();
  const closed = new net.Server();
  const free = await listen(closed);
  await new Promise((r) => closed.close(r));
  assert.deepEqual(await httpProbe({ scheme: "HTTP", host: "127.0.0.1", port: free, path: "/", headers: [], timeoutMs: 500 }), {
    ok: false,
    output: `Get "http://127.0.0.1:${free}/": dial tcp 127.0.0.1:${free}: connect: connection refused`,
  });
});

test("tcpSocket: open port succeeds, closed port fails", async (t) => {
  const server = net.createServer((s) => s.end());
  const port = await listen(server);
  t.after(() => server.close());
  assert.deepEqual(await tcpProbe({ host: "127.0.0.1", port, timeoutMs: 500 }), { ok: true, output: "" });
  server.close();
  await new Promise((r) => setTimeout(r, 20));
  const r = await tcpProbe({ host: "127.0.0.1", port, timeoutMs: 500 });
  assert.deepEqual(r, { ok: false, output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
});

test("probes of the pod's own address run inside its network namespace", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-probe-ns-"));
  const registry = new NetnsRegistry(dir);
  const ns = await registry.create("gantry-probe");
  // A server inside the namespace only: the host cannot reach it on 127.0.0.1.
  const server = spawn("nsenter", [`--net=${ns}`, "--", "busybox", "httpd", "-f", "-p", "127.0.0.1:18080", "-h", dir], { stdio: "ignore" });
  t.after(async () => {
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));
    await registry.delete("gantry-probe");
    await fs.rm(dir, { recursive: true, force: true });
  });
  await fs.writeFile(path.join(dir, "index.html"), "ok");
  const noRuntime = {} as ContainerRuntime; // exec is not used by httpGet/tcpSocket probes
  const target = { containerId: "c", container: { name: "web", ports: [{ name: "http", containerPort: 18080 }] }, netnsPath: ns };
  let outcome = { ok: false, output: "" };
  for (let i = 0; i < 50 && !outcome.ok; i++) {
    outcome = await runProbe(noRuntime, { httpGet: { port: "http", path: "/" }, timeoutSeconds: 2 }, target);
    if (!outcome.ok) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(outcome, { ok: true, output: "" });
  assert.deepEqual(await runProbe(noRuntime, { tcpSocket: { port: 18080 } }, target), { ok: true, output: "" });
  assert.equal((await tcpProbe({ host: "127.0.0.1", port: 18080, timeoutMs: 300 })).ok, false, "not reachable from the host namespace");
  const miss = await runProbe(noRuntime, { tcpSocket: { port: 18081 } }, target);
  assert.deepEqual(miss, { ok: false, output: "dial tcp 127.0.0.1:18081: connect: connection refused" });
  assert.deepEqual(await runProbe(noRuntime, { httpGet: { port: "nope" } }, target), { ok: false, output: 'port "nope" is not defined in container web' });
});
