// The unpack caps end to end: images pushed to a real registry (Debian's docker-registry) and
// pulled into a store on a tmpfs of a fixed size, so no test can write more than that even if
// a cap failed. A pull past a cap fails with LimitExceeded naming the image, the registry, the
// layer's digest and the flag that raises the cap, and leaves nothing behind: no layer
// directory (layers are committed only once the whole image is within its caps), no temp
// files, no image record, and none of the image's blobs that nothing else uses.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bigFileLayer, gzipBombLayer, manyEntriesLayer, pushBadImage } from "../../test/images/bad-images";
import { busyboxLayers, makeImage, pushImage, type BuiltImage, type Layer } from "../../test/images/build";
import { startRegistry, type TestRegistry } from "../../test/images/registry";
import { assertNoBlobs, assertNoLayers, assertNothingPartial, tempStore, tmpfsDir, type SizedDir } from "../../test/images/store-check";
import { type UnpackLimits } from "./limits";
import { pullImage } from "./puller";
import type { LocalImageStore } from "./store";
import { ImageError } from "./types";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("pullImage within unpack caps", { skip: process.getuid?.() !== 0 && "needs root to mount a tmpfs" }, () => {
  let registry: TestRegistry;
  let base: Layer[];
  let disk: SizedDir;

  before(async () => {
    registry = await startRegistry();
    base = await busyboxLayers();
    disk = await tmpfsDir(96 * MiB);
  });
  after(async () => {
    await registry?.stop();
    await disk?.remove();
  });

  async function withStore(fn: (store: LocalImageStore) => Promise<void>): Promise<void> {
    const { store, remove } = await tempStore(disk.dir);
    try {
      await fn(store);
    } finally {
      await remove();
    }
  }

  interface Refusal {
    repo: string;
    image: BuiltImage;
    /** The layer the error must name. */
    bad: Layer;
    flag: string;
    detail: RegExp;
    limits?: Partial<UnpackLimits>;
    /** Blobs another image in the store still uses. */
    shared?: string[];
  }

  /** Pulling the image fails past the cap on its bad layer; nothing of it is left. Returns time and peak disk use. */
  async function refused(store: LocalImageStore, { repo, image, bad, flag, detail, limits, shared = [] }: Refusal): Promise<{ ms: number; peak: number }> {
    const ref = `${registry.host}/${repo}:latest`;
    const isTheCap = (err: unknown) => {
      assert.ok(err instanceof ImageError, String(err));
      assert.equal(err.code, "LimitExceeded", err.message);
      assert.equal(err.image, ref);
      assert.equal(err.registry, registry.host);
      assert.equal(err.digest, bad.digest, "the error names the layer's digest");
      assert.ok(err.message.startsWith(`image ${ref} (registry ${registry.host}, digest ${bad.digest}): LimitExceeded: layer ${image.layers.indexOf(bad) + 1} of ${image.layers.length}: `), err.message);
      assert.ok(err.message.endsWith(`to pull this image, raise gantry agent ${flag}`), err.message);
      assert.match(err.message, detail);
      return true;
    };
    const { ms, peak } = await disk.measure(() => assert.rejects(pullImage(ref, { store, limits }), isTheCap));
    await assertNothingPartial(store, ref);
    await assertNoBlobs(store, [image.digest, image.configDigest, ...image.layers.map((l) => l.digest)].filter((d) => !shared.includes(d)));
    return { ms, peak };
  }

  it("a gzip bomb layer (5 GiB of zeros in 5 MB) stops at --max-layer-bytes, having written at most the cap", { timeout: 60_000 }, async (t) => {
    await withStore(async (store) => {
      const pushed = await pushBadImage(registry.url, "bomb/layer", base, await gzipBombLayer(5 * GiB));
      const cap = 32 * MiB;
      const detail = /the decompressed size of the layer passes its limit of 32 MiB \(33554432 bytes\)/;
      const { ms, peak } = await refused(store, { ...pushed, flag: "--max-layer-bytes", detail, limits: { maxLayerBytes: cap } });
      await assertNoLayers(store);
      const busybox = base.reduce((sum, l) => sum + l.size, 0) * 3; // its compressed blobs and unpacked layers
      t.diagnostic(`5 GiB bomb through the registry, --max-layer-bytes 32 MiB: refused after ${Math.round(ms)} ms; peak disk use ${(peak / MiB).toFixed(1)} MiB (bomb blob ${(pushed.bad.size / MiB).toFixed(1)} MiB included)`);
      assert.ok(peak <= cap + pushed.bad.size + busybox + 2 * MiB, `peak disk use ${peak} bytes`);
    });
  });

  it("with the default caps, a bomb larger than them (a 17 GiB file) is refused before a byte of it is written", { timeout: 60_000 }, async (t) => {
    await withStore(async (store) => {
      const pushed = await pushBadImage(registry.url, "bomb/default", base, await gzipBombLayer(17 * GiB));
      const detail = /the size of a file passes its limit of 16 GiB \(17179869184 bytes\) \("bomb\.bin" has 18253611008 bytes\)/;
      const { ms, peak } = await refused(store, { ...pushed, flag: "--max-file-bytes", detail });
      await assertNoLayers(store);
      t.diagnostic(`17 GiB bomb through the registry, default caps: refused after ${Math.round(ms)} ms; peak disk use ${(peak / MiB).toFixed(1)} MiB (the ${(pushed.bad.size / MiB).toFixed(1)} MiB blob included)`);
      assert.ok(peak < pushed.bad.size + 8 * MiB, `peak disk use ${peak} bytes`);
    });
  });

  it("too many entries in a layer (--max-layer-entries), a file too large (--max-file-bytes)", async () => {
    await withStore(async (store) => {
      const many = await pushBadImage(registry.url, "caps/entries", base, await manyEntriesLayer(501));
      await refused(store, { ...many, flag: "--max-layer-entries", detail: /number of entries in the layer passes its limit of 500 entries/, limits: { maxLayerEntries: 500 } });
      const big = await pushBadImage(registry.url, "caps/file", base, await bigFileLayer(2 * MiB + 1));
      await refused(store, { ...big, flag: "--max-file-bytes", detail: /"big\.bin" has 2097153 bytes/, limits: { maxFileBytes: 2 * MiB } });
      await assertNoLayers(store);
    });
  });

  it("an image whose layers pass --max-image-bytes together, counting layers cached from another image", async () => {
    await withStore(async (store) => {
      const limits = { maxImageBytes: 12 * MiB };
      const [six, six2] = [await bigFileLayer(6 * MiB, "six.bin"), await bigFileLayer(6 * MiB, "six-too.bin")];
      // Within the cap: busybox (about 2 MiB unpacked) and 6 MiB.
      const small = makeImage([...base, six], { cmd: ["/bin/sh"] });
      await pushImage(registry.url, "caps/small", "latest", small);
      const record = await pullImage(`${registry.host}/caps/small:latest`, { store, limits });
      // The same layers and 6 MiB more pass the cap, although only the last layer is new here.
      const large = makeImage([...base, six, six2], { cmd: ["/bin/sh"] });
      await pushImage(registry.url, "caps/large", "latest", large);
      const detail = /decompressed size of the image \(all its layers together\) passes its limit of 12 MiB/;
      await refused(store, { repo: "caps/large", image: large, bad: six2, flag: "--max-image-bytes", detail, limits, shared: small.layers.map((l) => l.digest) });
      // The other image is untouched: its record, blobs and layers stay; the new layer was never committed.
      assert.deepEqual(await store.images.get(record.ref), record);
      for (const l of record.layers) assert.ok(await store.layers.has(l.chainId), `layer ${l.chainId} of the small image`);
      assert.deepEqual((await store.layers.list()).sort(), record.layers.map((l) => l.chainId).sort());
      for (const d of [record.digest, record.configDigest, ...record.layers.map((l) => l.digest)]) assert.ok(await store.content.info(d), `blob ${d} of the small image`);
      // And a second try is refused the same way: nothing accumulated.
      await assert.rejects(pullImage(`${registry.host}/caps/large:latest`, { store, limits }), { code: "LimitExceeded" });
      assert.equal(await pullImage(`${registry.host}/caps/large:latest`, { store, limits: { maxImageBytes: 16 * MiB } }).then((r) => r.layers.length), 4, "a higher cap lets it in");
    });
  });
});
