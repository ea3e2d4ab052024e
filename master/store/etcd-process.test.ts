import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { etcdArgs } from "./etcd-args";
import { EtcdProcess, restartDelay } from "./etcd-process";
import { freePorts } from "./ports";
import { startTestEtcd } from "./testing";
import type { WatchEvent } from "./types";

const cm = (name: string, value: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } });

test("etcdArgs: compaction off, 4 GiB quota, 10000 snapshot count, advertised host", () => {
  const args = etcdArgs({ dataDir: "/d/etcd", name: "m1", clientPort: 2379, peerPort: 2380, host: "0.0.0.0", advertiseHost: "10.0.0.5" });
  for (const flag of [
    "--data-dir=/d/etcd",
    "--auto-compaction-retention=0",
    "--quota-backend-bytes=4294967296",
    "--snapshot-count=10000",
    "--listen-client-urls=http://0.0.0.0:2379",
    "--advertise-client-urls=http://10.0.0.5:2379",
    "--initial-cluster=m1=http://10.0.0.5:2380",
    "--initial-cluster-state=new",
  ]) {
    assert.ok(args.includes(flag), `missing ${flag} in ${args.join(" ")}`);
  }
  const joined = etcdArgs({ dataDir: "/d", name: "m2", clientPort: 1, peerPort: 2, initialCluster: "m1=http://a:2,m2=http://b:2", initialClusterState: "existing" });
  assert.ok(joined.includes("--initial-cluster=m1=http://a:2,m2=http://b:2"));
  assert.ok(joined.includes("--initial-cluster-state=existing"));
});

test("etcdArgs with TLS: https URLs, member certificates, a client certificate required of clients and peers", () => {
  const tls = { trustedCaFile: "/p/etcd/ca.crt", certFile: "/p/etcd/server.crt", keyFile: "/p/etcd/server.key", peerCertFile: "/p/etcd/peer.crt", peerKeyFile: "/p/etcd/peer.key" };
  const args = etcdArgs({ dataDir: "/d", name: "m1", clientPort: 2379, peerPort: 2380, host: "10.0.0.5", tls });
  for (const flag of [
    "--listen-client-urls=https://10.0.0.5:2379",
    "--advertise-client-urls=https://10.0.0.5:2379",
    "--listen-peer-urls=https://10.0.0.5:2380",
    "--initial-advertise-peer-urls=https://10.0.0.5:2380",
    "--initial-cluster=m1=https://10.0.0.5:2380",
    "--cert-file=/p/etcd/server.crt",
    "--key-file=/p/etcd/server.key",
    "--client-cert-auth=true",
    "--trusted-ca-file=/p/etcd/ca.crt",
    "--peer-cert-file=/p/etcd/peer.crt",
    "--peer-key-file=/p/etcd/peer.key",
    "--peer-client-cert-auth=true",
    "--peer-trusted-ca-file=/p/etcd/ca.crt",
  ]) {
    assert.ok(args.includes(flag), `missing ${flag} in ${args.join(" ")}`);
  }
  assert.ok(!args.some((a) => a.includes("http://")), "nothing in plain HTTP");
});

test("restart back-off doubles from 1s and stops at 10s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, 1000, 10_000)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test("freePorts returns distinct ports", async () => {
  const ports = await freePorts(4);
  assert.equal(new Set(ports).size, 4);
  for (const p of ports) assert.ok(p > 0 && p < 65536);
});

test("a member killed with SIGKILL is restarted and keeps its data and watches", async (t) => {
  const env = await startTestEtcd();
  t.after(() => env.stop());
  const { store, etcd } = env;
  const created = await store.create("/registry/configmaps/default/a", cm("a", "1"));

  const events: WatchEvent[] = [];
  const watch = await store.watch("/registry/configmaps/", { resourceVersion: created.metadata.resourceVersion }, {
    event: (e) => events.push(e),
    error: (err) => assert.fail(`watch failed: ${String(err)}`),
  });
  t.after(() => watch.close());

  const oldPid = etcd.pid!;
  const exited = once(etcd, "exit");
  const restarted = once(etcd, "restarted");
  process.kill(oldPid, "SIGKILL");
  const [exit] = (await exited) as [{ pid: number; signal: string }];
  assert.equal(exit.pid, oldPid);
  assert.equal(exit.signal, "SIGKILL");
  await restarted;
  assert.notEqual(etcd.pid, oldPid);

  const got = await store.get("/registry/configmaps/default/a");
  assert.deepEqual(got, created);
  const updated = await store.update("/registry/configmaps/default/a", cm("a", "2"), created.metadata.resourceVersion);
  await waitFor(() => events.length >= 1, "the watch to resume after the restart");
  assert.equal(events.length, 1);
  assert.equal(events[0].type, "MODIFIED");
  assert.equal(events[0].object.metadata.resourceVersion, updated.metadata.resourceVersion);
});

test("stop() then start() on the same dataDir keeps every key", async (t) => {
  const env = await startTestEtcd();
  t.after(() => env.stop());
  const { store, etcd } = env;
  const written = [];
  for (let i = 0; i < 20; i++) written.push(await store.create(`/registry/configmaps/default/k${String(i).padStart(2, "0")}`, cm(`k${i}`, String(i))));

  await etcd.stop();
  assert.equal(etcd.pid, undefined);
  await etcd.start();

  const list = await store.list("/registry/configmaps/");
  assert.deepEqual(list.items, written);
});

test("start() rejects with etcd's reason when the port is taken, leaving no process", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gantry-etcd-busy-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [clientPort, peerPort] = await freePorts(2);
  // Drops connections so close() does not wait on half-open health checks.
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen(clientPort, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  const etcd = new EtcdProcess({ dataDir: join(dir, "etcd"), name: "busy", clientPort, peerPort, startTimeoutMs: 15_000 });
  t.after(() => etcd.stop());
  await assert.rejects(etcd.start(), /exited during start[\s\S]*address already in use/);
  assert.equal(etcd.pid, undefined);
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
