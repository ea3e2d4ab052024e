// subPath staging on the real filesystem with real bind mounts, in a temp dir: a "volume", a
// directory "outside" it standing for the host, and a pod dir for the staging paths. Every
// mount and file is removed afterwards, even when an assertion fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mountsUnder, readMountInfo } from "../../netns/mountinfo";
import { run } from "../../netns/run";
import type { SubPathMount } from "../pod-spec/volumes";
import { openInside, releaseSubPath, resolveSubPath, stageSubPath, stageSubPaths } from "./subpath";

interface Dirs {
  root: string;
  volume: string;
  outside: string;
  podDir: string;
  /** A SubPathMount of volume "data" for container "c" as the n-th volumeMount. */
  mount(subPath: string, index?: number): SubPathMount;
}

async function tempDirs(t: { after: (fn: () => Promise<void>) => void }): Promise<Dirs> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-subpath-"));
  t.after(async () => {
    for (const m of mountsUnder(await readMountInfo(), root)) await run(["umount", "--lazy", m.mountPoint]).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  });
  const volume = path.join(root, "pod/volumes/empty-dir/data");
  const outside = path.join(root, "host");
  const podDir = path.join(root, "pod");
  await fs.mkdir(volume, { recursive: true });
  await fs.chmod(volume, 0o777);
  await fs.mkdir(path.join(volume, "real"));
  await fs.writeFile(path.join(volume, "real/f"), "hi\n");
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, "marker"), "host secret\n");
  const mount = (subPath: string, index = 0): SubPathMount => ({
    volumeMount: "data",
    container: "c",
    volumePath: volume,
    subPath,
    staging: path.join(podDir, "volume-subpaths/data/c", String(index)),
  });
  return { root, volume, outside, podDir, mount };
}

const mountedAt = async (p: string) => (await readMountInfo()).filter((m) => m.mountPoint === p).length;

test("a symlink that stays inside the volume is followed: the staging path shows its target", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink("real", path.join(d.volume, "alias"));
  const m = d.mount("alias");
  await stageSubPath(m);
  assert.equal(await mountedAt(m.staging), 1);
  assert.equal(await fs.readFile(path.join(m.staging, "f"), "utf8"), "hi\n");
  await releaseSubPath(m);
  assert.equal(await mountedAt(m.staging), 0);
  await assert.rejects(fs.lstat(m.staging), { code: "ENOENT" }, "the staging directory is removed");
  assert.equal(await fs.readFile(path.join(d.volume, "real/f"), "utf8"), "hi\n", "the volume's content is untouched");
});

test("an absolute symlink out of the volume is refused with the kubelet's message and nothing is mounted", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink(d.outside, path.join(d.volume, "escape"));
  const m = d.mount("escape");
  await assert.rejects(stageSubPath(m), {
    name: "ConfigError",
    reason: "CreateContainerConfigError",
    message: `failed to prepare subPath for volumeMount "data" of container "c": subPath "escape" of volume "data": symlink "escape" points to ${JSON.stringify(d.outside)}, outside the volume`,
  });
  assert.deepEqual(mountsUnder(await readMountInfo(), d.root), []);
  // Through a component on the way, and with a missing rest (which must not be created outside).
  await assert.rejects(stageSubPath(d.mount("escape/marker")), /symlink "escape" points to/);
  await assert.rejects(stageSubPath(d.mount("escape/new/dir")), /symlink "escape" points to/);
  assert.deepEqual(await fs.readdir(d.outside), ["marker"]);
});

test("relative symlinks climbing out with .. are refused, also from deeper down", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink("../../../../../host", path.join(d.volume, "up"));
  await fs.symlink("../../..", path.join(d.volume, "real/deep"));
  await fs.symlink("..", path.join(d.volume, "parent"));
  await assert.rejects(stageSubPath(d.mount("up")), /symlink "up" points to "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/host", outside the volume/);
  await assert.rejects(stageSubPath(d.mount("real/deep")), /symlink "real\/deep" points to "\.\.\/\.\.\/\.\.", outside the volume/);
  await assert.rejects(stageSubPath(d.mount("parent/data/real")), /symlink "parent" points to "\.\.", outside the volume/);
  assert.deepEqual(mountsUnder(await readMountInfo(), d.root), []);
});

test("symlinks within the volume: relative with .., absolute to the volume's own host path", async (t) => {
  const d = await tempDirs(t);
  await fs.mkdir(path.join(d.volume, "a/b"), { recursive: true });
  await fs.symlink("../../real", path.join(d.volume, "a/b/back"));
  await fs.symlink(path.join(d.volume, "real"), path.join(d.volume, "abs"));
  assert.equal((await resolveSubPath(d.volume, "a/b/back")).hostPath, path.join(d.volume, "real"));
  assert.equal((await resolveSubPath(d.volume, "abs/f")).hostPath, path.join(d.volume, "real/f"));
  const m = d.mount("abs");
  await stageSubPath(m);
  assert.deepEqual(await fs.readdir(m.staging), ["f"]);
});

test("a missing subPath is created as directories inside the volume, with the volume's mode", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink("real", path.join(d.volume, "alias"));
  const m = d.mount("logs/pod-1");
  await stageSubPath(m);
  const made = await fs.stat(path.join(d.volume, "logs/pod-1"));
  assert.ok(made.isDirectory());
  assert.equal(made.mode & 0o7777, 0o777, "the umask did not cut the mode");
  assert.equal((await fs.stat(path.join(d.volume, "logs"))).mode & 0o7777, 0o777);
  await fs.writeFile(path.join(m.staging, "x"), "written through the staging mount");
  assert.equal(await fs.readFile(path.join(d.volume, "logs/pod-1/x"), "utf8"), "written through the staging mount");
  // Missing below an inside symlink: created in the link's target.
  assert.equal((await resolveSubPath(d.volume, "alias/new")).hostPath, path.join(d.volume, "real/new"));
  assert.ok((await fs.stat(path.join(d.volume, "real/new"))).isDirectory());
  // A file in the way is not a directory.
  await assert.rejects(stageSubPath(d.mount("real/f/sub", 1)), /"real\/f" is not a directory/);
});

test("symlink loops are refused", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink("loop2", path.join(d.volume, "loop1"));
  await fs.symlink("loop1", path.join(d.volume, "loop2"));
  await fs.symlink("self/x", path.join(d.volume, "self"));
  await assert.rejects(stageSubPath(d.mount("loop1")), /subPath "loop1" of volume "data": too many levels of symbolic links/);
  await assert.rejects(stageSubPath(d.mount("self")), /too many levels of symbolic links/);
});

test("the check uses the opened fd: a component swapped for a symlink after resolving is caught", async (t) => {
  const d = await tempDirs(t);
  await fs.mkdir(path.join(d.volume, "dir"));
  await fs.writeFile(path.join(d.volume, "dir/marker"), "inside\n");
  const { base, hostPath } = await resolveSubPath(d.volume, "dir/marker");
  const fh = await openInside(base, hostPath, "dir/marker");
  assert.equal(await fs.readlink(`/proc/self/fd/${fh.fd}`), path.join(d.volume, "dir/marker"));
  await fh.close();
  // The container swaps "dir" for a symlink to the host between resolving and opening: the
  // path string still looks inside the volume, the opened inode is not.
  await fs.rename(path.join(d.volume, "dir"), path.join(d.volume, "dir.old"));
  await fs.symlink(d.outside, path.join(d.volume, "dir"));
  assert.ok(hostPath.startsWith(`${base}/`));
  await assert.rejects(openInside(base, hostPath, "dir/marker"), /"dir\/marker" leads out of the volume/);
  // The last component itself swapped: opened without following, and refused as a symlink.
  await fs.symlink(path.join(d.outside, "marker"), path.join(d.volume, "real/g"));
  await assert.rejects(openInside(base, path.join(base, "real/g"), "real/g"), /"real\/g" became a symbolic link/);
});

test("a staged mount is pinned: swapping the subPath afterwards does not redirect it", async (t) => {
  const d = await tempDirs(t);
  const m = d.mount("real");
  await stageSubPath(m);
  await fs.rename(path.join(d.volume, "real"), path.join(d.volume, "real.old"));
  await fs.symlink(d.outside, path.join(d.volume, "real"));
  assert.deepEqual(await fs.readdir(m.staging), ["f"]);
  assert.equal(await fs.readFile(path.join(m.staging, "f"), "utf8"), "hi\n");
});

test("a file subPath is staged on a file; staging again replaces a stale mount", async (t) => {
  const d = await tempDirs(t);
  await fs.writeFile(path.join(d.volume, "real/g"), "gee\n");
  await fs.symlink("real/f", path.join(d.volume, "file-alias"));
  const m = d.mount("file-alias");
  await stageSubPath(m);
  assert.ok((await fs.lstat(m.staging)).isFile());
  assert.equal(await fs.readFile(m.staging, "utf8"), "hi\n");
  // A create that died after staging left the mount; the next one re-checks and re-stages.
  await fs.rm(path.join(d.volume, "file-alias"));
  await fs.symlink("real/g", path.join(d.volume, "file-alias"));
  await stageSubPath(m);
  assert.equal(await mountedAt(m.staging), 1);
  assert.equal(await fs.readFile(m.staging, "utf8"), "gee\n");
  // Now a directory: the staging node changes kind.
  await fs.rm(path.join(d.volume, "file-alias"));
  await fs.symlink("real", path.join(d.volume, "file-alias"));
  await stageSubPath(m);
  assert.deepEqual(await fs.readdir(m.staging), ["f", "g"]);
  await releaseSubPath(m);
  assert.deepEqual(mountsUnder(await readMountInfo(), d.root), []);
});

test("stageSubPaths stages all of a container's subPaths or none", async (t) => {
  const d = await tempDirs(t);
  await fs.symlink(d.outside, path.join(d.volume, "escape"));
  await assert.rejects(stageSubPaths([d.mount("real", 0), d.mount("escape", 1)]), /subPath "escape"/);
  assert.deepEqual(mountsUnder(await readMountInfo(), d.root), [], "the first one was released again");
});
