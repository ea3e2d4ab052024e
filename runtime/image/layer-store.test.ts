import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { makeLayer, type Layer } from "../../test/images/build";
import { tempStore } from "../../test/images/store-check";
import type { LocalImageStore } from "./store";

describe("FsLayerStore stage / commit / size", () => {
  let store: LocalImageStore;
  let remove: () => Promise<void>;
  let layer: Layer;
  let blob: string;

  before(async () => {
    ({ store, remove } = await tempStore());
    layer = await makeLayer([{ name: "a.txt", content: "a".repeat(1000) }, { name: "d/", type: "directory" }, { name: "d/b.txt", content: "b\n" }]);
    blob = path.join(store.root, "blob.tgz");
    await fs.writeFile(blob, layer.blob);
  });
  after(() => remove?.());

  const expected = () => ({ chainId: layer.diffId, diffId: layer.diffId });
  const layerFiles = () => fs.readdir(path.join(store.root, "layers"));

  it("a staged layer is invisible until commit, which records its size; discard leaves nothing", async () => {
    const discarded = await store.layers.stage(blob, expected());
    assert.equal(await store.layers.has(layer.diffId), false);
    await discarded.discard();
    assert.deepEqual(await fs.readdir(path.join(store.root, "tmp")), []);
    assert.deepEqual(await layerFiles(), []);

    const staged = await store.layers.stage(blob, expected());
    assert.equal(staged.entries, 3);
    const done = await staged.commit();
    assert.equal(await fs.readFile(path.join(done.path, "a.txt"), "utf8"), "a".repeat(1000));
    assert.equal(await store.layers.size(layer.diffId), staged.size);
    assert.equal(staged.size, 3 * 512 + (2 + 1) * 512 + 1024, "3 headers, 3 data blocks, the end-of-archive blocks");
    assert.deepEqual(await fs.readdir(path.join(store.root, "tmp")), []);
  });

  it("a layer from before sizes were recorded is measured once and remembered", async () => {
    await fs.rm(`${store.layers.path(layer.diffId)}.json`);
    const measured = await store.layers.size(layer.diffId);
    assert.equal(measured, 3 * 512 + 1000 + 2, "a 512-byte header per entry plus the file bytes");
    assert.deepEqual(JSON.parse(await fs.readFile(`${store.layers.path(layer.diffId)}.json`, "utf8")), { size: measured });
  });

  it("delete removes the directory and its size; cleanup removes a size whose directory is gone", async () => {
    await store.layers.delete(layer.diffId);
    assert.equal(await store.layers.size(layer.diffId), undefined);
    assert.deepEqual(await layerFiles(), []);
    const orphan = `${store.layers.path(layer.diffId)}.json`;
    await fs.writeFile(orphan, '{"size":1}\n');
    await store.layers.cleanup();
    assert.deepEqual(await layerFiles(), []);
  });
});
