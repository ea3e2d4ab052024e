// Hostile and broken layers, served by a real registry (it accepts them: every blob matches
// its digest). Each pull must fail with a clear error naming the image and the layer's
// digest, write nothing outside the store, and leave nothing of the image inside it: no
// partial files, no layer directory (not even of its good layers), no blob.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  absolutePathLayer,
  deviceNodeLayer,
  dotDotLayer,
  hardlinkOutLayer,
  pushBadImage,
  relativeSymlinkEscapeLayer,
  truncatedGzipLayer,
  wrongDiffIdLayer,
} from "../../test/images/bad-images";
import { busyboxLayers, type Layer } from "../../test/images/build";
import { startRegistry, type TestRegistry } from "../../test/images/registry";
import { assertNoBlobs, assertNoLayers, assertNothingPartial, tempStore } from "../../test/images/store-check";
import { chainIds } from "./manifest";
import { pullImage } from "./puller";
import type { LocalImageStore } from "./store";
import { ImageError, type ImageErrorCode } from "./types";

describe("pullImage refuses unsafe and broken layers", () => {
  let registry: TestRegistry;
  let base: Layer[];
  let store: LocalImageStore;
  let removeStore: () => Promise<void>;
  let scratch: string;
  const tag = randomBytes(4).toString("hex");

  before(async () => {
    registry = await startRegistry();
    base = await busyboxLayers();
    ({ store, remove: removeStore } = await tempStore());
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-safety-"));
  });
  after(async () => {
    await registry?.stop();
    await removeStore?.();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  async function refused(repo: string, bad: Layer, code: ImageErrorCode, detail: RegExp): Promise<void> {
    const pushed = await pushBadImage(registry.url, repo, base, bad);
    const image = `${registry.host}/${repo}:latest`;
    await assert.rejects(pullImage(image, { store }), (err: unknown) => {
      assert.ok(err instanceof ImageError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.image, image);
      assert.equal(err.registry, registry.host);
      assert.equal(err.digest, bad.digest, "the error names the bad layer's digest");
      assert.ok(err.message.includes(image) && err.message.includes(bad.digest) && err.message.includes(registry.host), err.message);
      assert.match(err.message, /: layer 3 of 3: /);
      assert.match(err.message, detail);
      return true;
    });
    await assertNothingPartial(store, image);
    const badChain = chainIds(pushed.image.layers.map((l) => l.diffId))[2];
    assert.equal(await store.layers.has(badChain), false, "the bad layer is not unpacked");
    // Nor are the good ones below it, and the refused image keeps no blob a retry would reuse.
    await assertNoLayers(store);
    await assertNoBlobs(store, [pushed.image.digest, pushed.image.configDigest, ...pushed.image.layers.map((l) => l.digest)]);
  }

  it("a ../ entry", async () => {
    const name = `gantry-escape-${tag}`;
    await refused("bad/dotdot", await dotDotLayer(name), "UnsafeLayer", /climbs out of the layer root/);
    await assert.rejects(fs.lstat(path.join("/tmp", name)), { code: "ENOENT" });
  });

  it("a file written through a symlink that climbs out", async () => {
    await refused("bad/symlink", await relativeSymlinkEscapeLayer(), "UnsafeLayer", /written through a symlink that points outside the layer root/);
    await assert.rejects(fs.lstat("/tmp/gantry-should-not-exist"), { code: "ENOENT" });
  });

  it("a hardlink out of the root", async () => {
    await refused("bad/hardlink", await hardlinkOutLayer(), "UnsafeLayer", /climbs out/);
  });

  it("a device node", async () => {
    await refused("bad/device", await deviceNodeLayer(), "UnsafeLayer", /character device \(1:3\)/);
  });

  it("a truncated gzip stream", async () => {
    await refused("bad/truncated", await truncatedGzipLayer(), "BadLayer", /not a valid gzip tar stream/);
  });

  it("a layer whose content does not match the config's diff ID", async () => {
    const bad = await wrongDiffIdLayer();
    await refused("bad/diffid", bad, "DigestMismatch", new RegExp(`config says ${bad.diffId}`));
  });

  it("an absolute path lands inside the layer, not on the host", async () => {
    const target = path.join(scratch, "absolute.txt");
    const pushed = await pushBadImage(registry.url, "odd/absolute", base, await absolutePathLayer(target));
    const record = await pullImage(`${registry.host}/odd/absolute:latest`, { store });
    assert.equal(record.digest, pushed.image.digest);
    assert.equal(await fs.readFile(path.join(record.layers[2].path, target), "utf8"), "absolute\n");
    assert.deepEqual(await fs.readdir(scratch), []);
    await assertNothingPartial(store);
  });
});
