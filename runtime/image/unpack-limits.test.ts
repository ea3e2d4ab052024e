// The unpack caps (limits.ts) on generated layers: a gzip bomb, too many entries, a file too
// large, an image's layers together too large, and the defaults. Layers are unpacked onto a
// tmpfs of a fixed size, so "stopped after writing at most the cap" is enforced by the kernel
// (ENOSPC otherwise), and its peak usage is measured.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { bigFileLayer, gzipBombLayer, manyEntriesLayer } from "../../test/images/bad-images";
import { makeLayer, type Layer } from "../../test/images/build";
import { tmpfsDir, type SizedDir } from "../../test/images/store-check";
import { DefaultUnpackLimits, ImageBytes, type UnpackLimits } from "./limits";
import { ImageError } from "./types";
import { unpackLayer } from "./unpack";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The blob in 64 KiB chunks, as a file read stream delivers it from the content store. */
function* asFileReads(blob: Buffer): Iterable<Buffer> {
  for (let at = 0; at < blob.length; at += 64 * 1024) yield blob.subarray(at, at + 64 * 1024);
}

describe("unpack caps", { skip: process.getuid?.() !== 0 && "needs root to mount a tmpfs" }, () => {
  let disk: SizedDir;
  let n = 0;
  const dir = (name: string) => path.join(disk.dir, name);

  // Big enough for every cap these tests set (64 MiB) plus slack for metadata, far below any bomb.
  before(async () => {
    disk = await tmpfsDir(80 * MiB);
    for (const d of ["tmp", "ok", "refused"]) await fs.mkdir(dir(d));
  });
  after(() => disk?.remove());

  async function unpack(layer: Layer, limits?: Partial<UnpackLimits>, imageBytes?: ImageBytes, into = "ok") {
    const dest = path.join(dir(into), `layer-${n++}`);
    const result = await unpackLayer(asFileReads(layer.blob), { dest, tmpDir: dir("tmp"), expectedDiffId: layer.diffId, limits, imageBytes });
    return { dest, result };
  }

  /** The unpack fails with LimitExceeded naming `flag` and leaves nothing; returns its time and peak disk use. */
  async function refused(layer: Layer, flag: string, detail: RegExp, limits?: Partial<UnpackLimits>, imageBytes?: ImageBytes): Promise<{ ms: number; peak: number }> {
    const usedBefore = await disk.used();
    const isTheCap = (err: unknown) => {
      assert.ok(err instanceof ImageError, `expected ImageError, got ${String(err)}`);
      assert.equal(err.code, "LimitExceeded", err.message);
      assert.ok(err.message.includes(`raise gantry agent ${flag}`), err.message);
      assert.match(err.message, detail);
      return true;
    };
    const { ms, peak } = await disk.measure(() => assert.rejects(unpack(layer, limits, imageBytes, "refused"), isTheCap));
    assert.deepEqual(await fs.readdir(dir("tmp")), [], "no temp dir may remain");
    assert.deepEqual(await fs.readdir(dir("refused")), [], "no layer dir may appear");
    assert.equal(await disk.used(), usedBefore, "everything written was removed");
    return { ms, peak };
  }

  it("a gzip bomb (5 GiB of zeros in 5 MB) stops at maxLayerBytes, having written at most the cap", { timeout: 60_000 }, async (t) => {
    const bomb = await gzipBombLayer(5 * GiB);
    assert.ok(bomb.size < 6 * MiB, `the bomb is ${bomb.size} bytes compressed`);
    const cap = 64 * MiB;
    const { ms, peak } = await refused(bomb, "--max-layer-bytes", /decompressed size of the layer passes its limit of 64 MiB \(67108864 bytes\)/, { maxLayerBytes: cap });
    t.diagnostic(`5 GiB bomb, maxLayerBytes 64 MiB: stopped after ${Math.round(ms)} ms; peak disk use ${(peak / MiB).toFixed(1)} MiB`);
    assert.ok(peak <= cap + MiB, `wrote ${peak} bytes, more than the cap`);
  });

  it("the default caps stop a bomb larger than them (one 17 GiB file) before a byte of it is written", { timeout: 60_000 }, async (t) => {
    assert.ok(17 * GiB > DefaultUnpackLimits.maxFileBytes && 17 * GiB > DefaultUnpackLimits.maxLayerBytes);
    const bomb = await gzipBombLayer(17 * GiB);
    const { ms, peak } = await refused(bomb, "--max-file-bytes", /size of a file passes its limit of 16 GiB \(17179869184 bytes\) \("bomb\.bin" has 18253611008 bytes\)/);
    t.diagnostic(`17 GiB bomb, default caps: stopped after ${Math.round(ms)} ms; peak disk use ${(peak / 1024).toFixed(0)} KiB`);
    assert.ok(peak < 64 * 1024, `wrote ${peak} bytes`);
  });

  it("a layer with more entries than maxLayerEntries; exactly that many pass", async () => {
    const { result } = await unpack(await manyEntriesLayer(100), { maxLayerEntries: 100 });
    assert.equal(result.entries, 100);
    await refused(await manyEntriesLayer(101), "--max-layer-entries", /number of entries in the layer passes its limit of 100 entries/, { maxLayerEntries: 100 });
  });

  it("a file larger than maxFileBytes is refused from its header; one of exactly that size passes", async () => {
    const { dest } = await unpack(await bigFileLayer(MiB), { maxFileBytes: MiB });
    assert.equal((await fs.stat(path.join(dest, "big.bin"))).size, MiB);
    const { peak } = await refused(await bigFileLayer(MiB + 1), "--max-file-bytes", /size of a file passes its limit of 1 MiB \(1048576 bytes\) \("big\.bin" has 1048577 bytes\)/, { maxFileBytes: MiB });
    assert.ok(peak < 64 * 1024, `refused from the header, but ${peak} bytes were written`);
  });

  it("a layer of exactly maxLayerBytes passes; one byte more than the cap is refused", async () => {
    const layer = await bigFileLayer(MiB);
    const { result } = await unpack(layer, { maxLayerBytes: 2 * MiB });
    await unpack(layer, { maxLayerBytes: result.size });
    await refused(layer, "--max-layer-bytes", /decompressed size of the layer passes its limit/, { maxLayerBytes: result.size - 1 });
  });

  it("a pax header over tar-stream's 4 MiB header limit is a BadLayer, not a local error", async () => {
    const layer = await makeLayer([{ name: "x", content: "x", pax: { comment: "y".repeat(5 * MiB) } }]);
    await assert.rejects(unpack(layer, {}, undefined, "refused"), (err: unknown) => {
      assert.ok(err instanceof ImageError, `expected ImageError, got ${String(err)}`);
      assert.equal(err.code, "BadLayer");
      assert.match(err.message, /Header exceeds max size/);
      return true;
    });
    assert.deepEqual(await fs.readdir(dir("tmp")), []);
  });

  it("a disk that fills up mid-file (ENOSPC, within the caps) fails the unpack at once and leaves nothing", { timeout: 30_000 }, async () => {
    const small = await tmpfsDir(2 * MiB);
    try {
      const dest = path.join(small.dir, "layer");
      await assert.rejects(unpackLayer(asFileReads((await bigFileLayer(4 * MiB)).blob), { dest, tmpDir: path.join(small.dir, "tmp") }), { code: "ENOSPC" });
      assert.deepEqual(await fs.readdir(small.dir), ["tmp"]);
      assert.deepEqual(await fs.readdir(path.join(small.dir, "tmp")), []);
    } finally {
      await small.remove();
    }
  });

  it("layers counting into one image's bytes stop once together they pass maxImageBytes", async () => {
    const layer = await bigFileLayer(3 * MiB);
    const image = new ImageBytes(8 * MiB);
    await unpack(layer, {}, image);
    await unpack(layer, {}, image);
    await refused(layer, "--max-image-bytes", /decompressed size of the image \(all its layers together\) passes its limit of 8 MiB/, {}, image);
    assert.ok(image.total > 8 * MiB);
  });
});
