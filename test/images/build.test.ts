// Cross-checks the test images against reference tools, so the image tests do not rest on
// our builder and our puller sharing a misreading of the specs: skopeo (containers/image)
// copies them out of the registry, and umoci unpacks them into a root filesystem.

import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { BusyboxPath, pushTestImages, TestRepos, type TestImageSet } from "./build";
import { buildDemoImages, pushDemoImages } from "./demo";
import { startRegistry, type TestRegistry } from "./registry";

const run = promisify(execFile);

describe("test images, read by skopeo and umoci", () => {
  let registry: TestRegistry;
  let images: TestImageSet;
  let dir: string;

  before(async () => {
    registry = await startRegistry();
    images = await pushTestImages(registry.url);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-skopeo-"));
  });
  after(async () => {
    await registry?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const src = (repo: string) => `docker://${registry.host}/${repo}:latest`;

  it("skopeo sees the manifests we pushed", async () => {
    const { stdout } = await run("skopeo", ["--insecure-policy", "inspect", "--tls-verify=false", src(TestRepos.busybox)]);
    const info = JSON.parse(stdout) as { Digest: string; Layers: string[]; Architecture: string };
    assert.equal(info.Digest, images.busybox.digest);
    assert.deepEqual(info.Layers, images.busybox.layers.map((l) => l.digest));
    assert.equal(info.Architecture, "amd64");
    const raw = await run("skopeo", ["--insecure-policy", "inspect", "--raw", "--tls-verify=false", src(TestRepos.multiarch)]);
    assert.equal(raw.stdout, images.multiarch.bytes.toString());
  });

  it("umoci unpacks the whiteout image to the expected root filesystem", async () => {
    const layout = path.join(dir, "layout");
    await run("skopeo", ["--insecure-policy", "copy", "--src-tls-verify=false", src(TestRepos.whiteout), `oci:${layout}:whiteout`]);
    const bundle = path.join(dir, "bundle");
    await run("umoci", ["unpack", "--image", `${layout}:whiteout`, bundle]);
    const rootfs = path.join(bundle, "rootfs");
    assert.deepEqual(await fs.readFile(path.join(rootfs, "bin/busybox")), readFileSync(BusyboxPath));
    assert.equal(await fs.readlink(path.join(rootfs, "bin/sh")), "busybox");
    await assert.rejects(fs.lstat(path.join(rootfs, "hello.txt")), { code: "ENOENT" });
    assert.deepEqual(await fs.readdir(path.join(rootfs, "data")), ["new.txt"]);
    assert.equal(await fs.readFile(path.join(rootfs, "etc/passwd"), "utf8"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
  });

  it("the demo images carry every busybox applet as a symlink to /bin/busybox, and build to the same digests every time", async () => {
    const refs = await pushDemoImages(registry.url);
    const [first, second] = [await buildDemoImages(), await buildDemoImages()];
    assert.deepEqual(first.map((d) => d.image.digest), second.map((d) => d.image.digest), "two builds, same digests");
    assert.deepEqual(refs, ["gantry/busybox:1", "gantry/web:1", "gantry/web:2"].map((r) => `${registry.host}/${r}`));
    // Asked of the binary here, not of the builder (Debian 12's busybox-static 1.35 has 268).
    const applets = execFileSync(BusyboxPath, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a !== "" && a !== "busybox");
    assert.ok(applets.length > 200 && ["tar", "ping", "nslookup", "mount", "wget", "vi"].every((a) => applets.includes(a)), applets.join(" "));
    for (const [i, ref] of refs.entries()) {
      const { stdout } = await run("skopeo", ["--insecure-policy", "inspect", "--tls-verify=false", `docker://${ref}`]);
      assert.equal((JSON.parse(stdout) as { Digest: string }).Digest, first[i].image.digest, `${ref} as pushed is the image built`);
      const name = ref.replace(/\W/g, "-");
      const layout = path.join(dir, `demo-${name}`);
      await run("skopeo", ["--insecure-policy", "copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:demo`]);
      const rootfs = path.join(dir, `bundle-${name}`, "rootfs");
      await run("umoci", ["unpack", "--image", `${layout}:demo`, path.dirname(rootfs)]);
      for (const a of applets) assert.equal(await fs.readlink(path.join(rootfs, "bin", a)), "busybox", `${ref}: /bin/${a}`);
      for (const a of ["tar", "ping", "nslookup"]) assert.ok((await fs.lstat(path.join(rootfs, "bin", a))).isSymbolicLink(), `${ref}: /bin/${a}`);
      // The links work: the image's own tar, run inside its root, packs and lists a file.
      const { stdout: listed } = await run("chroot", [rootfs, "/bin/sh", "-c", "cd /tmp && echo hi > f && tar -cf f.tar f && tar -tf f.tar && rm f f.tar"]);
      assert.equal(listed, "f\n");
    }
  });
});
