// Pulls from a real registry (Debian's docker-registry) filled with images built by
// test/images/build.ts.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { BusyboxPath, busyboxLayers, makeImage, pushImage, pushTestImages, TestRepos, type TestImageSet } from "../../test/images/build";
import { startRegistry, type TestRegistry } from "../../test/images/registry";
import { assertNothingPartial, tempStore } from "../../test/images/store-check";
import { chainIds } from "./manifest";
import { pullImage, type PullProgress } from "./puller";
import type { LocalImageStore } from "./store";
import { ImageError, type ImageRecord } from "./types";

const asRoot = process.getuid?.() === 0;

describe("pullImage from a real registry", () => {
  let registry: TestRegistry;
  let images: TestImageSet;
  let store: LocalImageStore;
  let removeStore: () => Promise<void>;
  const ref = (repo: string, tag = "latest") => `${registry.host}/${repo}:${tag}`;

  before(async () => {
    registry = await startRegistry();
    images = await pushTestImages(registry.url);
    ({ store, remove: removeStore } = await tempStore());
  });
  after(async () => {
    await registry?.stop();
    await removeStore?.();
  });

  async function blobGets(repo: string): Promise<number> {
    return (await registry.log()).split("\n").filter((l) => l.includes(`"GET /v2/${repo}/blobs/`)).length;
  }

  it("pulls a multi-layer image and unpacks every file", async () => {
    const events: PullProgress[] = [];
    const record = await pullImage(ref(TestRepos.busybox), { store, onProgress: (e) => events.push(e) });
    const want = images.busybox;
    assert.equal(record.ref, `${registry.host}/gantry-test/busybox:latest`);
    assert.equal(record.digest, want.digest);
    assert.equal(record.configDigest, want.configDigest);
    assert.deepEqual(record.config.config?.Cmd, ["/bin/sh"]);
    assert.deepEqual(
      record.layers.map((l) => [l.digest, l.diffId, l.size]),
      want.layers.map((l) => [l.digest, l.diffId, l.size]),
    );
    assert.deepEqual(record.layers.map((l) => l.chainId), chainIds(want.layers.map((l) => l.diffId)));
    assert.deepEqual(await store.images.get(record.ref), record);

    const [base, files] = record.layers.map((l) => l.path);
    assert.deepEqual(await fs.readFile(path.join(base, "bin/busybox")), readFileSync(BusyboxPath));
    assert.equal((await fs.stat(path.join(base, "bin/busybox"))).mode & 0o777, 0o755);
    assert.equal(await fs.readlink(path.join(base, "bin/sh")), "busybox");
    assert.equal((await fs.stat(path.join(base, "tmp"))).mode & 0o7777, 0o1777);
    assert.equal(await fs.readFile(path.join(files, "hello.txt"), "utf8"), "hello from gantry\n");
    const a = await fs.stat(path.join(files, "data/a.txt"));
    assert.equal(a.mode & 0o777, 0o640);
    if (asRoot) assert.deepEqual([a.uid, a.gid], [1000, 1000]);
    assert.equal((await fs.stat(path.join(files, "data/a-link"))).ino, a.ino);
    assert.equal((await fs.stat(path.join(files, "data/run.sh"))).mode & 0o7777, 0o4755);
    assert.equal(execFileSync("getfattr", ["--absolute-names", "--only-values", "-n", "user.gantry", path.join(files, "data/a.txt")], { encoding: "utf8" }), "test-value");

    assert.equal(events.filter((e) => e.kind === "layer" && e.state === "downloading").length, 2);
    assert.ok(events.some((e) => e.kind === "bytes" && e.received === e.size));
    assert.equal(events.at(-1)?.kind, "done");
    await assertNothingPartial(store);
  });

  it("a second pull downloads no layer, and a digest pull does not touch the registry", async () => {
    const first = await pullImage(ref(TestRepos.busybox), { store });
    const before = await blobGets(TestRepos.busybox);
    const logBefore = (await registry.log()).split("\n").length;
    const events: PullProgress[] = [];
    const second = await pullImage(ref(TestRepos.busybox), { store, onProgress: (e) => events.push(e) });
    assert.deepEqual(second, first);
    assert.equal(await blobGets(TestRepos.busybox), before, "no blob GET on the second pull");
    assert.deepEqual(events.filter((e) => e.kind === "layer").map((e) => e.kind === "layer" && e.state), ["cached", "cached"]);

    const pinned = `${registry.host}/${TestRepos.busybox}@${first.digest}`;
    await pullImage(pinned, { store });
    const logAfterFirstPinned = (await registry.log()).split("\n").length;
    const again = await pullImage(pinned, { store });
    assert.equal(again.digest, first.digest);
    assert.equal((await registry.log()).split("\n").length, logAfterFirstPinned, "a cached digest pull sends no request");
    assert.ok(logAfterFirstPinned >= logBefore);
  });

  it("shares layers between images by chain ID", async () => {
    const busybox = await pullImage(ref(TestRepos.busybox), { store });
    const httpd = await pullImage(ref(TestRepos.httpd), { store });
    assert.deepEqual(httpd.layers.slice(0, 2), busybox.layers);
    assert.equal(await fs.readFile(path.join(httpd.layers[2].path, "www/index.html"), "utf8"), "<h1>gantry httpd test page</h1>\n");
    assert.deepEqual(httpd.config.config?.Cmd, ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]);
    const fail = await pullImage(ref(TestRepos.fail), { store });
    assert.deepEqual(fail.config.config?.Cmd?.slice(0, 2), ["/bin/sh", "-c"]);
  });

  it("whiteouts hide lower files in the merged overlay view", { skip: !asRoot && "needs root to mount overlayfs" }, async () => {
    const record = await pullImage(ref(TestRepos.whiteout), { store });
    const top = record.layers[2].path;
    const wh = await fs.lstat(path.join(top, "hello.txt"));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, "hello.txt is a 0/0 whiteout in the top layer");
    assert.equal(execFileSync("getfattr", ["--absolute-names", "--only-values", "-n", "trusted.overlay.opaque", path.join(top, "data")], { encoding: "utf8" }), "y");

    const mnt = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-merged-"));
    const lower = record.layers.map((l) => l.path).reverse().join(":");
    execFileSync("mount", ["-t", "overlay", "overlay", "-o", `ro,lowerdir=${lower}`, mnt]);
    try {
      await assert.rejects(fs.lstat(path.join(mnt, "hello.txt")), { code: "ENOENT" });
      assert.deepEqual(await fs.readdir(path.join(mnt, "data")), ["new.txt"], "the opaque dir hides a.txt, b.txt, …");
      const out = execFileSync("chroot", [mnt, "/bin/sh", "-c", "cat /data/new.txt; ls /data; test -e /hello.txt || echo hello-gone"], { encoding: "utf8" });
      assert.equal(out, "only me\nnew.txt\nhello-gone\n", "busybox runs in the merged view and sees the same");
    } finally {
      execFileSync("umount", [mnt]);
      await fs.rmdir(mnt);
    }
  });

  it("resolves an index to this platform, or to the one asked for", async () => {
    const amd = await pullImage(ref(TestRepos.multiarch), { store });
    assert.equal(amd.digest, images.multiarch.images[0].digest);
    assert.equal(amd.indexDigest, images.multiarch.digest);
    const arm = await pullImage(ref(TestRepos.multiarch), { store, platform: { os: "linux", architecture: "arm64" } });
    assert.equal(arm.digest, images.multiarch.images[1].digest);
    assert.equal(arm.config.architecture, "arm64");
    assert.equal(await fs.readFile(path.join(arm.layers[0].path, "arch.txt"), "utf8"), "arm64\n");
    await assert.rejects(pullImage(ref(TestRepos.multiarch), { store, platform: { os: "linux", architecture: "riscv64" } }), (err: unknown) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.code, "NotFound");
      assert.match(err.message, /no manifest for platform linux\/riscv64 .*offers: linux\/amd64, linux\/arm64\)/);
      assert.equal(err.digest, images.multiarch.digest);
      return true;
    });
  });

  it("pulls Docker v2 schema 2 manifests too", async () => {
    const image = makeImage(await busyboxLayers(), { format: "docker", cmd: ["/bin/true"] });
    await pushImage(registry.url, "gantry-test/docker-format", "v1", image);
    const record = await pullImage(ref("gantry-test/docker-format", "v1"), { store });
    assert.equal(record.digest, image.digest);
    assert.deepEqual(record.config.config?.Cmd, ["/bin/true"]);
  });

  it("reports a missing repository or tag as NotFound with the registry's message", async () => {
    const check = (image: string, registryMessage: RegExp) =>
      assert.rejects(pullImage(image, { store }), (err: unknown) => {
        assert.ok(err instanceof ImageError);
        assert.equal(err.code, "NotFound");
        assert.equal(err.registry, registry.host);
        assert.ok(err.message.includes(image), err.message);
        assert.match(err.message, registryMessage);
        return true;
      });
    // distribution 2.8 answers MANIFEST_UNKNOWN for unknown repositories as well
    await check(ref("gantry-test/does-not-exist"), /HTTP 404: (NAME_UNKNOWN: repository name not known to registry|MANIFEST_UNKNOWN: manifest unknown)/);
    await check(ref(TestRepos.busybox, "no-such-tag"), /HTTP 404: MANIFEST_UNKNOWN: manifest unknown/);
    await assertNothingPartial(store);
  });

  it("gc keeps what the kept images use and removes the rest", async () => {
    const { store: gcStore, remove } = await tempStore();
    try {
      const busybox: ImageRecord = await pullImage(ref(TestRepos.busybox), { store: gcStore });
      const whiteout = await pullImage(ref(TestRepos.whiteout), { store: gcStore });
      assert.equal((await gcStore.layers.list()).length, 3);

      const unchanged = await gcStore.gc();
      assert.deepEqual(unchanged, { removedImages: [], removedLayers: [], removedBlobs: [] }, "without keep, every record is kept");

      const result = await gcStore.gc([`${registry.host}/gantry-test/busybox`]);
      assert.deepEqual(result.removedImages, [whiteout.ref]);
      assert.deepEqual(result.removedLayers, [whiteout.layers[2].chainId]);
      assert.deepEqual(result.removedBlobs.sort(), [whiteout.digest, whiteout.configDigest, whiteout.layers[2].digest].sort());
      await assert.rejects(fs.lstat(whiteout.layers[2].path), { code: "ENOENT" });
      for (const l of busybox.layers) assert.ok(await gcStore.layers.has(l.chainId));
      assert.deepEqual(await gcStore.images.get(busybox.ref), busybox);

      const all = await gcStore.gc([]);
      assert.deepEqual(all.removedImages, [busybox.ref]);
      assert.deepEqual(await gcStore.layers.list(), []);
      assert.deepEqual(await gcStore.content.list(), []);
      await assertNothingPartial(gcStore);
    } finally {
      await remove();
    }
  });

  it("gc waits for running pulls", async () => {
    const { store: s, remove } = await tempStore();
    try {
      const pulling = pullImage(ref(TestRepos.busybox), { store: s });
      const gcDone = s.gc([]);
      const record = await pulling;
      const result = await gcDone;
      assert.deepEqual(result.removedImages, [record.ref], "gc ran after the pull recorded its image");
      assert.deepEqual(await s.layers.list(), []);
    } finally {
      await remove();
    }
  });
});
