// Against a test double of a misbehaving or malicious registry (test/images/fake-registry.ts):
// it serves bytes that do not match their digests or sizes, fails transiently, or drops
// connections, none of which a real registry can be made to do on purpose.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestImages, makeImage, makeLayer, sha256, type TestImageSet } from "../../test/images/build";
import { startFakeRegistry, type FakeRegistry } from "../../test/images/fake-registry";
import { freePort } from "../../test/images/registry";
import { assertNothingPartial, tempStore } from "../../test/images/store-check";
import { pullImage } from "./puller";
import { RegistryClient } from "./registry-client";
import type { LocalImageStore } from "./store";
import { ImageError, type ImageErrorCode } from "./types";

describe("pullImage against a hostile registry", () => {
  let fake: FakeRegistry;
  let images: TestImageSet;
  let store: LocalImageStore;
  let removeStore: () => Promise<void>;

  before(async () => {
    images = await buildTestImages();
    fake = await startFakeRegistry();
    ({ store, remove: removeStore } = await tempStore());
  });
  after(async () => {
    await fake?.stop();
    await removeStore?.();
  });

  async function refused(image: string, code: ImageErrorCode, digest: string | undefined, detail: RegExp): Promise<void> {
    await assert.rejects(pullImage(image, { store }), (err: unknown) => {
      assert.ok(err instanceof ImageError, String(err));
      assert.equal(err.code, code, err.message);
      assert.equal(err.registry, fake.host);
      assert.ok(err.message.includes(image), err.message);
      if (digest) {
        assert.equal(err.digest, digest);
        assert.ok(err.message.includes(digest), err.message);
      }
      assert.match(err.message, detail);
      return true;
    });
    await assertNothingPartial(store, image);
  }

  it("refuses a layer blob that does not hash to its digest", async () => {
    const image = images.whiteout;
    fake.addImage("evil/blob", "latest", image);
    const victim = image.layers[2];
    const tampered = Buffer.from(victim.blob);
    tampered[tampered.length - 5] ^= 0xff;
    fake.blobs.set(victim.digest, tampered);
    try {
      await refused(`${fake.host}/evil/blob:latest`, "DigestMismatch", victim.digest, new RegExp(`content hashes to ${sha256(tampered)}`));
      assert.equal(await store.content.info(victim.digest), undefined, "the tampered blob is not stored");
    } finally {
      fake.blobs.set(victim.digest, victim.blob);
    }
  });

  it("refuses a config blob that does not hash to its digest", async () => {
    const image = makeImage(images.busybox.layers, { cmd: ["/bin/echo", "config"] });
    fake.addImage("evil/config", "latest", image);
    fake.blobs.set(image.configDigest, Buffer.from(image.config.toString().replace("config", "CONFIG")));
    await refused(`${fake.host}/evil/config:latest`, "DigestMismatch", image.configDigest, /content hashes to/);
  });

  it("refuses a manifest that does not match the digest it was asked for", async () => {
    const asked = images.busybox.digest;
    fake.manifests.set(`evil/manifest@${asked}`, { mediaType: images.fail.mediaType, body: images.fail.manifest });
    await refused(`${fake.host}/evil/manifest@${asked}`, "DigestMismatch", asked, new RegExp(`manifest that hashes to ${images.fail.digest}`));
  });

  it("refuses an index entry whose manifest does not match it", async () => {
    const index = images.multiarch;
    fake.addIndex("evil/index", "latest", index);
    const amd = index.images[0];
    fake.manifests.set(`evil/index@${amd.digest}`, { mediaType: images.fail.mediaType, body: images.fail.manifest });
    await refused(`${fake.host}/evil/index:latest`, "DigestMismatch", amd.digest, /manifest that hashes to/);
  });

  it("refuses blobs longer or shorter than their descriptor", async () => {
    const layer = await makeLayer([{ name: "sized.txt", content: "size matters\n" }]);
    for (const [tag, delta] of [["short", 10], ["long", -10]] as const) {
      const image = makeImage([{ ...layer, size: layer.size + delta }]);
      fake.addImage("evil/size", tag, image);
      await refused(`${fake.host}/evil/size:${tag}`, "SizeMismatch", layer.digest, delta > 0 ? /has \d+ bytes but its descriptor declares/ : /larger than the/);
    }
  });

  it("refuses a config whose diff IDs do not fit the manifest", async () => {
    const image = makeImage(images.busybox.layers, { diffIds: [images.busybox.layers[0].diffId] });
    fake.addImage("evil/diffids", "latest", image);
    await refused(`${fake.host}/evil/diffids:latest`, "BadManifest", image.configDigest, /lists 1 diff IDs but the manifest has 2 layers/);
  });

  it("refuses artifacts and unknown layer types as Unsupported", async () => {
    const image = makeImage(images.busybox.layers);
    const doc = JSON.parse(image.manifest.toString()) as { config: { mediaType: string }; layers: { mediaType: string }[] };
    doc.config.mediaType = "application/vnd.cncf.helm.config.v1+json";
    fake.manifests.set("evil/artifact:latest", { mediaType: image.mediaType, body: Buffer.from(JSON.stringify(doc)) });
    await refused(`${fake.host}/evil/artifact:latest`, "Unsupported", undefined, /not a container image config/);
    doc.config.mediaType = "application/vnd.oci.image.config.v1+json";
    doc.layers[1].mediaType = "application/vnd.oci.image.layer.v1.tar+zstd";
    fake.manifests.set("evil/zstd:latest", { mediaType: image.mediaType, body: Buffer.from(JSON.stringify(doc)) });
    await refused(`${fake.host}/evil/zstd:latest`, "Unsupported", undefined, /zstd-compressed/);
  });

  it("retries 503s and connections cut mid-blob", async () => {
    const flaky = await startFakeRegistry({ failFirst: 2, cutBlobsOnce: [images.busybox.layers[0].digest] });
    const { store: s, remove } = await tempStore();
    const client = new RegistryClient({ retryDelayMs: 5 });
    try {
      flaky.addImage("flaky/busybox", "latest", images.busybox);
      const record = await pullImage(`${flaky.host}/flaky/busybox:latest`, { store: s, client });
      assert.equal(record.digest, images.busybox.digest);
      const blobGets = flaky.requests.filter((r) => r === `GET /v2/flaky/busybox/blobs/${images.busybox.layers[0].digest}`);
      assert.equal(blobGets.length, 2, "the cut download was retried once");
      assert.deepEqual(flaky.requests.slice(0, 3), Array(3).fill("GET /v2/flaky/busybox/manifests/latest"));
      await assertNothingPartial(s);
    } finally {
      client.close();
      await flaky.stop();
      await remove();
    }
  });

  it("gives up on an unreachable registry with a Network error", async () => {
    const port = await freePort();
    const client = new RegistryClient({ retries: 1, retryDelayMs: 5 });
    try {
      const image = `127.0.0.1:${port}/nobody/home:latest`;
      await assert.rejects(pullImage(image, { store, client }), (err: unknown) => {
        assert.ok(err instanceof ImageError);
        assert.equal(err.code, "Network");
        assert.equal(err.registry, `127.0.0.1:${port}`);
        assert.match(err.message, /ECONNREFUSED/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it("refuses plain HTTP to a registry not configured insecure", async () => {
    const image = `${fake.host}/evil/blob:latest`;
    const seen = fake.requests.length;
    const client = new RegistryClient({ insecureRegistries: [], retries: 0 });
    try {
      await assert.rejects(pullImage(image, { store, client }), (err: unknown) => {
        assert.ok(err instanceof ImageError);
        assert.equal(err.code, "Network", err.message); // it spoke TLS to a plain-HTTP server
        assert.match(err.message, /SSL|TLS|wrong version/i);
        return true;
      });
    } finally {
      client.close();
    }
    assert.equal(fake.requests.length, seen, "no plain-HTTP request was sent");
  });
});
