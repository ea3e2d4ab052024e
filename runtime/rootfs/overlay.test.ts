import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isMountPoint, mountsUnder, readMountInfo } from "./mountinfo";
import { maxLayers, mountOverlay, planOverlayMount, unmountOverlay, type OverlayPaths } from "./overlay";

test("planOverlayMount: absolute form lists layers top-first", () => {
  const plan = planOverlayMount(["/l/base", "/l/mid", "/l/top"], { scratch: "/s", target: "/t" });
  assert.deepEqual(plan, { form: "absolute", options: "lowerdir=/l/top:/l/mid:/l/base,upperdir=/s/upper,workdir=/s/work,index=off", links: [] });
});

test("planOverlayMount: short form when the options would not fit in a page", () => {
  const layers = Array.from({ length: 100 }, (_, i) => `/var/lib/gantry/image/layers/${"a".repeat(60)}${String(i).padStart(4, "0")}`);
  const plan = planOverlayMount(layers, { scratch: "/s", target: "/t" });
  assert.equal(plan.form, "short");
  assert.ok(plan.options.startsWith("lowerdir=l/0:l/1:l/2:"));
  assert.ok(plan.options.endsWith(",upperdir=upper,workdir=work,index=off"));
  assert.deepEqual(plan.links[0], { name: "l/0", target: layers[99] });
  assert.deepEqual(plan.links[99], { name: "l/99", target: layers[0] });
  assert.ok(Buffer.byteLength(plan.options) < 4096);
});

test("planOverlayMount: short form for paths the option parser would split", () => {
  assert.equal(planOverlayMount(["/l/a:b"], { scratch: "/s", target: "/t" }).form, "short");
  assert.equal(planOverlayMount(["/l/a"], { scratch: "/s,x", target: "/t" }).form, "short");
  assert.throws(() => planOverlayMount(Array.from({ length: maxLayers + 1 }, (_, i) => `/l/${i}`), { scratch: "/s", target: "/t" }), /at most 500/);
});

async function fixture(t: { after(fn: () => Promise<void>): void }, nameLen = 8) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-ovl-"));
  const paths: OverlayPaths = { scratch: path.join(base, "state", "overlay"), target: path.join(base, "state", "bundle", "rootfs") };
  t.after(async () => {
    // Clean up even when the test failed half way: unmount everything under base first.
    for (const m of mountsUnder(await readMountInfo(), base)) await new Promise((r) => execFile("umount", ["-l", m.mountPoint], r));
    await fs.rm(base, { recursive: true, force: true });
  });
  const layer = async (name: string, files: Record<string, string>) => {
    const dir = path.join(base, "layers", name.padEnd(nameLen, "x"));
    for (const [f, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await fs.writeFile(path.join(dir, f), content);
    }
    await fs.mkdir(dir, { recursive: true });
    return dir;
  };
  return { base, paths, layer };
}

test("mount: upper layers win, writes land in upper, lowers stay untouched; idempotent both ways", async (t) => {
  const { paths, layer } = await fixture(t);
  const base = await layer("base", { "etc/os": "base\n", "etc/only-base": "b\n" });
  const top = await layer("top", { "etc/os": "top\n" });
  await mountOverlay([base, top], paths);
  await mountOverlay([base, top], paths); // second call is a no-op, not a second mount
  const entries = (await readMountInfo()).filter((m) => m.mountPoint === paths.target);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].fsType, "overlay");

  assert.equal(await fs.readFile(path.join(paths.target, "etc/os"), "utf8"), "top\n");
  assert.equal(await fs.readFile(path.join(paths.target, "etc/only-base"), "utf8"), "b\n");
  await fs.writeFile(path.join(paths.target, "etc/os"), "container\n");
  await fs.rm(path.join(paths.target, "etc/only-base"));
  assert.equal(await fs.readFile(path.join(paths.scratch, "upper/etc/os"), "utf8"), "container\n");
  assert.equal(await fs.readFile(path.join(top, "etc/os"), "utf8"), "top\n");
  assert.equal(await fs.readFile(path.join(base, "etc/only-base"), "utf8"), "b\n");

  await unmountOverlay(paths);
  assert.equal(await isMountPoint(paths.target), false);
  await assert.rejects(fs.stat(paths.scratch), /ENOENT/);
  await unmountOverlay(paths); // already gone: fine
});

test("mount: 150 layers with long paths use the short form and still stack in order", async (t) => {
  const { paths, layer } = await fixture(t, 64);
  const layers: string[] = [];
  for (let i = 0; i < 150; i++) layers.push(await layer(`l${String(i).padStart(3, "0")}`, { [`f${i}`]: `${i}`, "who": `${i}` }));
  assert.equal(planOverlayMount(layers, paths).form, "short");
  await mountOverlay(layers, paths);
  assert.equal(await fs.readFile(path.join(paths.target, "who"), "utf8"), "149");
  assert.equal(await fs.readFile(path.join(paths.target, "f0"), "utf8"), "0");
  assert.equal((await fs.readdir(paths.target)).length, 151);
  await unmountOverlay(paths);
  assert.equal(await isMountPoint(paths.target), false);
});

test("mount: an image with no layers gets an empty root", async (t) => {
  const { paths } = await fixture(t);
  await mountOverlay([], paths);
  assert.deepEqual(await fs.readdir(paths.target), []);
  await unmountOverlay(paths);
});
