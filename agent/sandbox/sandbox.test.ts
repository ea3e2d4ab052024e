// Real pod sandboxes in a temp dir: network namespace, tmpfs secret volumes, atomic files.
// Everything made is removed afterwards, even when an assertion fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Pod } from "kubernetes-types/core/v1";
import { LoopbackPlugin } from "../../netns/loopback";
import { mountsUnder, readMountInfo } from "../../netns/mountinfo";
import { NetnsRegistry } from "../../netns/netns";
import { PodNetworks } from "../../netns/pod-network";
import { run } from "../../netns/run";
import { lookupFrom, type VolumeSourceData } from "../pod-spec/volume-data";
import { writeAtomically } from "./atomic-writer";
import { setUpSandbox, tearDownSandbox, type SandboxEnv } from "./sandbox";
import { NetworkNotReadyError, type PodNetworkPlugin } from "../../netns/types";
import { stageSubPath } from "./subpath";

async function tempEnv(t: { after: (fn: () => Promise<void>) => void }): Promise<{ env: SandboxEnv; root: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-sandbox-"));
  t.after(async () => {
    for (const m of mountsUnder(await readMountInfo(), root)) await run(["umount", "--lazy", m.mountPoint]).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  });
  const registry = new NetnsRegistry(path.join(root, "netns"));
  const env: SandboxEnv = {
    podsDir: path.join(root, "pods"),
    networks: new PodNetworks(registry, new LoopbackPlugin(registry)),
    hostIP: "127.0.0.1",
    cgroupParent: "/gantry-test",
    dns: () => ({ clusterDNS: [], clusterDomain: "cluster.local", hostResolvConf: "nameserver 192.0.2.1\n" }),
    facts: (podIPs) => ({ nodeName: "n", hostIP: "127.0.0.1", podIPs }),
  };
  return { env, root };
}

const obj = (kind: "ConfigMap" | "Secret", name: string, data: Record<string, string>, rv = "1"): VolumeSourceData => ({
  kind, namespace: "default", name, resourceVersion: rv, exists: true, type: "", data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
});

function pod(root: string): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: "3c0f0f5e-aaaa-4bbb-8ccc-000000000001" },
    spec: {
      containers: [{ name: "app", image: "x" }],
      volumes: [
        { name: "creds", secret: { secretName: "creds", items: [{ key: "password", path: "db/password", mode: 0o400 }] } },
        { name: "cfg", configMap: { name: "cfg" } },
        { name: "ram", emptyDir: { medium: "Memory", sizeLimit: "8Mi" } },
        { name: "scratch", emptyDir: {} },
        { name: "host", hostPath: { path: path.join(root, "host-dir"), type: "DirectoryOrCreate" } },
      ],
    },
  };
}

test("setUp makes netns, /etc files and volumes (secrets on tmpfs only); tearDown removes all", async (t) => {
  const { env, root } = await tempEnv(t);
  const p = pod(root);
  const data = lookupFrom([obj("Secret", "creds", { password: "hunter2" }), obj("ConfigMap", "cfg", { "app.conf": "x=1" })]);
  const sb = await setUpSandbox(p, env, data);
  const dir = sb.paths.dir;
  assert.equal(await fs.readFile(path.join(dir, "etc-hostname"), "utf8"), "web\n");
  assert.match(await fs.readFile(path.join(dir, "etc-hosts"), "utf8"), /127\.0\.0\.1\tlocalhost/);
  assert.equal(await fs.readFile(path.join(dir, "resolv.conf"), "utf8"), "nameserver 192.0.2.1\n");
  assert.ok(sb.dnsWarning, "ClusterFirst without cluster DNS is worth a warning");

  const mounts = await readMountInfo();
  const fsOf = (p2: string) => mounts.find((m) => m.mountPoint === p2)?.fsType;
  const secretDir = sb.volumes.find((v) => v.name === "creds")!.path;
  assert.equal(fsOf(secretDir), "tmpfs", "secret volume is a tmpfs");
  assert.equal(fsOf(sb.volumes.find((v) => v.name === "ram")!.path), "tmpfs");
  assert.equal(fsOf(sb.volumes.find((v) => v.name === "cfg")!.path), undefined, "configMaps live on disk");
  assert.equal(await fs.readFile(path.join(secretDir, "db/password"), "utf8"), "hunter2");
  assert.equal((await fs.stat(path.join(secretDir, "..data/db/password"))).mode & 0o777, 0o400);
  assert.equal(await fs.readlink(path.join(secretDir, "db")), "..data/db");
  assert.equal((await fs.stat(sb.volumes.find((v) => v.name === "scratch")!.path)).mode & 0o777, 0o777);
  assert.ok((await fs.stat(path.join(root, "host-dir"))).isDirectory());
  assert.match(await run(["nsenter", `--net=${sb.netnsPath}`, "ip", "-o", "link", "show", "lo"]).then((r) => r.stdout), /UP/);

  // Again (an agent restart): same namespace and the same tmpfs, files rewritten.
  const ino = (await fs.stat(sb.netnsPath)).ino;
  const again = await setUpSandbox(p, env, lookupFrom([obj("Secret", "creds", { password: "changed" }, "2"), obj("ConfigMap", "cfg", { "app.conf": "x=2" })]));
  assert.equal((await fs.stat(again.netnsPath)).ino, ino);
  assert.equal(mountsUnder(await readMountInfo(), secretDir).length, 1, "no second tmpfs stacked on the first");
  assert.equal(await fs.readFile(path.join(secretDir, "db/password"), "utf8"), "changed");

  await tearDownSandbox(p, env);
  assert.deepEqual(mountsUnder(await readMountInfo(), root), []);
  await assert.rejects(fs.stat(dir), { code: "ENOENT" });
  assert.deepEqual(await env.networks.list(), []);
  await tearDownSandbox(p, env); // idempotent
});

test("tearDown unmounts a subPath staging mount left by a dead create before deleting: a hostPath's files survive", async (t) => {
  const { env, root } = await tempEnv(t);
  const p = pod(root);
  const sb = await setUpSandbox(p, env, lookupFrom([obj("Secret", "creds", { password: "x" }), obj("ConfigMap", "cfg", {})]));
  const hostDir = path.join(root, "host-dir");
  await fs.mkdir(path.join(hostDir, "keep"));
  await fs.writeFile(path.join(hostDir, "keep/precious"), "not the pod's to delete\n");
  const staging = sb.paths.subPathStaging("host", "app", 0);
  await stageSubPath({ volumeMount: "host", container: "app", volumePath: hostDir, subPath: "keep", staging });
  assert.equal(await fs.readFile(path.join(staging, "precious"), "utf8"), "not the pod's to delete\n");

  await tearDownSandbox(p, env);
  await assert.rejects(fs.stat(sb.paths.dir), { code: "ENOENT" });
  assert.deepEqual(mountsUnder(await readMountInfo(), root), []);
  assert.equal(await fs.readFile(path.join(hostDir, "keep/precious"), "utf8"), "not the pod's to delete\n");
});

test("a missing ConfigMap fails setUp with a FailedMount message", async (t) => {
  const { env, root } = await tempEnv(t);
  const p = pod(root);
  await assert.rejects(setUpSandbox(p, env, lookupFrom([obj("Secret", "creds", { password: "x" })])), {
    name: "SandboxError",
    reason: "FailedMount",
    message: 'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found',
  });
  await tearDownSandbox(p, env);
  assert.deepEqual(mountsUnder(await readMountInfo(), root), []);
});

test("hostNetwork: no namespace of its own, the containers join the agent's, the pod IP is the node's", async (t) => {
  const { env } = await tempEnv(t);
  const p: Pod = { metadata: { name: "hn", namespace: "default", uid: "3c0f0f5e-aaaa-4bbb-8ccc-000000000002" }, spec: { hostNetwork: true, containers: [{ name: "app", image: "x" }] } };
  const sb = await setUpSandbox(p, { ...env, hostIP: "10.250.9.2" }, lookupFrom([]));
  assert.equal(sb.netnsPath, `/proc/${process.pid}/ns/net`);
  assert.deepEqual(sb.podIPs, ["10.250.9.2"]);
  assert.deepEqual(await env.networks.list(), [], "no pod namespace made");
  await tearDownSandbox(p, env);
});

test("a node without a pod network yet fails setUp with NetworkNotReady", async (t) => {
  const { env } = await tempEnv(t);
  const registry = env.networks.registry;
  const notReady: PodNetworkPlugin = { name: "waiting", setUp: () => Promise.reject(new NetworkNotReadyError("the node has no pod CIDR yet")), tearDown: async () => undefined };
  const p: Pod = { metadata: { name: "w", namespace: "default", uid: "3c0f0f5e-aaaa-4bbb-8ccc-000000000003" }, spec: { containers: [{ name: "app", image: "x" }] } };
  await assert.rejects(setUpSandbox(p, { ...env, networks: new PodNetworks(registry, notReady) }, lookupFrom([])), (err: Error & { reason?: string }) => {
    assert.equal(err.reason, "NetworkNotReady");
    assert.match(err.message, /^network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:the node has no pod CIDR yet$/);
    return true;
  });
  await tearDownSandbox(p, env);
});

test("atomic writer: a rewrite swaps ..data and drops names no longer present", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-atomic-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await writeAtomically(dir, [{ path: "a", data: Buffer.from("1"), mode: 0o644 }, { path: "sub/b", data: Buffer.from("2"), mode: 0o600 }]);
  const first = await fs.readlink(path.join(dir, "..data"));
  assert.deepEqual((await fs.readdir(dir)).sort(), [first, "..data", "a", "sub"].sort());
  await writeAtomically(dir, [{ path: "a", data: Buffer.from("3"), mode: 0o644 }]);
  const second = await fs.readlink(path.join(dir, "..data"));
  assert.notEqual(second, first);
  assert.deepEqual((await fs.readdir(dir)).sort(), [second, "..data", "a"].sort());
  assert.equal(await fs.readFile(path.join(dir, "a"), "utf8"), "3");
});
