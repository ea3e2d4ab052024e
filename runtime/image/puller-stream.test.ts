// One pass per layer (layer-fetch.ts): a layer is unpacked while its blob downloads, the blob
// is verified before the layer counts, and a download started over is not counted twice
// against the image's size cap. Against the registry test double, which can hold a blob
// half-sent or cut it, something a real registry cannot be made to do.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { waitFor } from "../../test/helpers/wait";
import { layerFromTar, makeImage, makeLayer, makeTar, sha256, type Layer } from "../../test/images/build";
import { startFakeRegistry } from "../../test/images/fake-registry";
import { assertNoLayers, assertNothingPartial, tempStore } from "../../test/images/store-check";
import { pullImage } from "./puller";
import { RegistryClient } from "./registry-client";
import type { LocalImageStore } from "./store";
import { ImageError } from "./types";

const MiB = 1 << 20;

/** A layer with a small file first and then `mib` MiB of random (incompressible) bytes. */
async function bigLayer(mib: number): Promise<{ layer: Layer; tarBytes: number }> {
  const tar = await makeTar([
    { name: "first.txt", content: "unpacked before the download ends\n" },
    { name: "big.bin", content: randomBytes(mib * MiB) },
  ]);
  return { layer: layerFromTar(tar), tarBytes: tar.length };
}

describe("pullImage, one pass per layer", () => {
  let store: LocalImageStore;
  let removeStore: () => Promise<void>;

  before(async () => ({ store, remove: removeStore } = await tempStore()));
  after(() => removeStore?.());

  it("unpacks a layer while it downloads, and commits it only once the whole blob is verified", async () => {
    const { layer: big } = await bigLayer(6);
    const small = await makeLayer([{ name: "small.txt", content: "small\n" }]);
    const image = makeImage([big, small]);
    let release!: () => void;
    const fake = await startFakeRegistry({ holdBlob: { digest: big.digest, bytes: 3 * MiB, release: new Promise<void>((r) => (release = r)) } });
    try {
      fake.addImage("stream/held", "latest", image);
      const pulling = pullImage(`${fake.host}/stream/held:latest`, { store });
      pulling.catch(() => undefined); // awaited below; do not let a failure here go unhandled meanwhile
      const tmp = path.join(store.root, "tmp");
      // With 3 MiB of 6 sent, the layer's first file is already written in its staging dir.
      const staging = await waitFor(
        "the held layer's first file in its staging dir",
        async () => {
          for (const d of await fs.readdir(tmp)) {
            if (await fs.stat(path.join(tmp, d, "first.txt")).then(() => true, () => false)) return path.join(tmp, d);
          }
          return undefined;
        },
        15_000,
        20,
      );
      assert.equal(await store.content.info(big.digest), undefined, "the blob is not in the store before all of it is verified");
      assert.deepEqual(await store.layers.list(), [], "no layer is visible before the pull commits");
      // The other layer was fetched meanwhile, not after the held one.
      await waitFor("the small layer's blob", () => store.content.info(small.digest), 15_000, 20);
      release();
      const record = await pulling;
      assert.equal(record.layers.length, 2);
      assert.equal(await fs.readFile(path.join(record.layers[0].path, "first.txt"), "utf8"), "unpacked before the download ends\n");
      assert.equal((await fs.stat(path.join(record.layers[0].path, "big.bin"))).size, 6 * MiB);
      assert.equal(await fs.stat(staging).then(() => true, () => false), false, "the staging dir became the layer");
      assert.equal(sha256(await fs.readFile(store.content.path(big.digest))), big.digest);
      await assertNothingPartial(store);
    } finally {
      release?.();
      await fake.stop();
    }
  });

  it("refuses a blob that unpacks to the right content but does not hash to its digest, leaving nothing", async () => {
    // Changing the gzip header's OS byte keeps the size, the gzip validity and the tar (so
    // the diff ID matches and the unpack succeeds); only the blob digest check can catch it.
    const { layer } = await bigLayer(2);
    const other = await makeLayer([{ name: "other.txt", content: "other\n" }]);
    const image = makeImage([other, layer]);
    const fake = await startFakeRegistry();
    const { store: s, remove } = await tempStore();
    try {
      fake.addImage("stream/tampered", "latest", image);
      const tampered = Buffer.from(layer.blob);
      tampered[9] = tampered[9] === 3 ? 7 : 3;
      fake.blobs.set(layer.digest, tampered);
      const ref = `${fake.host}/stream/tampered:latest`;
      await assert.rejects(pullImage(ref, { store: s }), (err: unknown) => {
        assert.ok(err instanceof ImageError, String(err));
        assert.equal(err.code, "DigestMismatch", err.message);
        assert.equal(err.digest, layer.digest);
        assert.equal(err.registry, fake.host);
        assert.match(err.message, new RegExp(`layer 2 of 2.*content hashes to ${sha256(tampered)}`));
        assert.ok(err.message.includes(layer.digest), err.message);
        return true;
      });
      await assertNothingPartial(s, ref);
      await assertNoLayers(s);
      assert.equal(await s.content.info(layer.digest), undefined, "the tampered blob is not stored");
    } finally {
      await fake.stop();
      await remove();
    }
  });

  it("a download cut mid-layer and started over is counted once against the image size cap", async () => {
    const { layer, tarBytes } = await bigLayer(4);
    const image = makeImage([layer]);
    const fake = await startFakeRegistry({ cutBlobsOnce: [layer.digest] });
    const client = new RegistryClient({ retryDelayMs: 5 });
    const { store: s, remove } = await tempStore();
    try {
      fake.addImage("stream/cut", "latest", image);
      // Room for the layer once, not for it and the half unpacked before the cut.
      const record = await pullImage(`${fake.host}/stream/cut:latest`, { store: s, client, limits: { maxImageBytes: tarBytes + 64 * 1024 } });
      assert.equal((await fs.stat(path.join(record.layers[0].path, "big.bin"))).size, 4 * MiB);
      assert.equal(fake.requests.filter((r) => r.endsWith(`/blobs/${layer.digest}`)).length, 2, "the cut download was started over");
      await assertNothingPartial(s);
    } finally {
      client.close();
      await fake.stop();
      await remove();
    }
  });
});
