// Real network namespaces in a temp directory; every test removes what it made, even on failure.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { NetnsRegistry } from "./netns";
import { LoopbackPlugin } from "./loopback";
import { PodNetworks, netnsName } from "./pod-network";
import { mountsUnder, parseMountInfo } from "./mountinfo";
import { tempRegistry } from "./testing/temp-registry";

/** The namespace inode as seen from inside: equal inodes mean the same namespace. */
async function nsInode(registry: NetnsRegistry, nsPath: string): Promise<string> {
  return (await registry.exec(nsPath, ["stat", "-L", "-c", "%i", "/proc/self/ns/net"])).trim();
}

test("create makes a live namespace with lo up, distinct from the host's and from others", async (t) => {
  const registry = await tempRegistry(t);
  const a = await registry.create("gantry-a");
  const b = await registry.create("gantry-b");
  assert.equal(a, path.join(registry.dir, "gantry-a"));
  const links = await registry.exec(a, ["ip", "-o", "link", "show", "lo"]);
  assert.match(links, /<LOOPBACK,UP,LOWER_UP>/);
  assert.doesNotMatch(await registry.exec(a, ["ip", "-o", "link"]), /eth|veth/, "a fresh namespace has only lo");
  const host = (await fs.stat("/proc/self/ns/net")).ino.toString();
  const ia = await nsInode(registry, a);
  const ib = await nsInode(registry, b);
  assert.notEqual(ia, host);
  assert.notEqual(ia, ib);
  assert.deepEqual(
    (await registry.list()).map((n) => n.name),
    ["gantry-a", "gantry-b"],
  );
});

test("create is idempotent and delete is idempotent", async (t) => {
  const registry = await tempRegistry(t);
  const p = await registry.create("gantry-x");
  const first = await nsInode(registry, p);
  assert.equal(await registry.create("gantry-x"), p);
  assert.equal(await nsInode(registry, p), first, "a second create must keep the live namespace (adoption after restart)");
  await registry.delete("gantry-x");
  await registry.delete("gantry-x");
  assert.deepEqual(await registry.list(), []);
  await assert.rejects(fs.stat(p), { code: "ENOENT" });
});

test("a stale file (crash between creating the file and mounting) is not listed as live and is reused", async (t) => {
  const registry = await tempRegistry(t);
  await fs.mkdir(registry.dir, { recursive: true });
  await fs.writeFile(path.join(registry.dir, "gantry-stale"), "");
  assert.deepEqual(await registry.list(), []);
  assert.deepEqual(await registry.names(), ["gantry-stale"]);
  const p = await registry.create("gantry-stale");
  assert.deepEqual((await registry.list()).map((n) => n.path), [p]);
  await registry.delete("gantry-stale");
  assert.deepEqual(await registry.names(), []);
});

test("names that could escape the directory are refused", async (t) => {
  const registry = await tempRegistry(t);
  assert.throws(() => registry.path("../etc"), /invalid network namespace name/);
  assert.throws(() => registry.path("a/b"), /invalid network namespace name/);
});

test("PodNetworks: one loopback-only namespace per pod uid, removed with the pod", async (t) => {
  const registry = await tempRegistry(t);
  const networks = new PodNetworks(registry, new LoopbackPlugin(registry));
  const pod = { uid: "0b5e7c9a-1111-4c3b-9a7e-3f1f2b6f8e01", namespace: "default", name: "web" };
  const net = await networks.ensure(pod);
  assert.equal(net.netnsPath, networks.pathFor(pod.uid));
  assert.equal(path.basename(net.netnsPath), netnsName(pod.uid));
  assert.deepEqual(net.ips, []);
  // lo is up and carries 127.0.0.1 inside the pod namespace.
  const out = await registry.exec(net.netnsPath, ["ip", "-o", "addr", "show", "lo"]);
  assert.match(out, /inet 127\.0\.0\.1\/8/);
  assert.deepEqual(await networks.list(), [netnsName(pod.uid)]);
  await networks.remove(pod);
  await networks.remove(pod);
  assert.deepEqual(await networks.list(), []);
});

test("parseMountInfo unescapes paths and mountsUnder orders deepest first", () => {
  const text = [
    "36 25 0:32 / /var/lib/x rw,relatime shared:1 - tmpfs tmpfs rw",
    "37 36 0:33 / /var/lib/x/a\\040b rw - tmpfs tmpfs rw",
    "38 36 0:4 net:[4026532250] /var/lib/x/a\\040b/c rw - nsfs nsfs rw",
    "39 25 0:5 / /var/lib/xy rw - tmpfs tmpfs rw",
  ].join("\n");
  const entries = parseMountInfo(text);
  assert.equal(entries[1].mountPoint, "/var/lib/x/a b");
  assert.equal(entries[2].fsType, "nsfs");
  assert.deepEqual(
    mountsUnder(entries, "/var/lib/x").map((e) => e.mountPoint),
    ["/var/lib/x/a b/c", "/var/lib/x/a b", "/var/lib/x"],
  );
});

test("ensure pins a pod's IPC and UTS namespaces with the same process that makes its network namespace", async (t) => {
  const registry = await tempRegistry(t);
  const ipc = path.join(registry.dir, "pod-ipc");
  const uts = path.join(registry.dir, "pod-uts");
  await fs.mkdir(registry.dir, { recursive: true });
  // tempRegistry unmounts everything under its directory afterwards, these too.
  for (const f of [ipc, uts]) await fs.writeFile(f, "");
  const made = await registry.ensure("gantry-pinned", [`--ipc=${ipc}`, `--uts=${uts}`]);
  assert.equal(made.created, true);
  const nsfs = parseMountInfo(await fs.readFile("/proc/self/mountinfo", "utf8")).filter((m) => m.fsType === "nsfs").map((m) => m.mountPoint);
  assert.ok(nsfs.includes(ipc) && nsfs.includes(uts) && nsfs.includes(made.path), `pinned: ${nsfs.filter((p) => p.startsWith(registry.dir)).join(", ")}`);
  // The UTS namespace is new: setting its hostname leaves the host's alone.
  const host = (await fs.readFile("/proc/sys/kernel/hostname", "utf8")).trim();
  await registry.exec(made.path, ["nsenter", `--uts=${uts}`, "hostname", "pinned-pod"]);
  assert.equal((await registry.exec(made.path, ["nsenter", `--uts=${uts}`, "hostname"])).trim(), "pinned-pod");
  assert.equal((await fs.readFile("/proc/sys/kernel/hostname", "utf8")).trim(), host);
  const again = await registry.ensure("gantry-pinned", [`--ipc=${ipc}`, `--uts=${uts}`]);
  assert.deepEqual(again, { path: made.path, created: false }, "a live namespace is kept; nothing is pinned again");
});
