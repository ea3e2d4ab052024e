// Helpers for tests that pull into a LocalImageStore: a fresh store in a temp dir, and the
// checks that a failed pull left nothing partial behind.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalImageStore } from "../../runtime/image/store";

export async function tempStore(): Promise<{ store: LocalImageStore; root: string; remove: () => Promise<void> }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-image-store-"));
  const store = await LocalImageStore.open(root);
  return { store, root, remove: () => fs.rm(root, { recursive: true, force: true }) };
}

/** No ingest or unpack is left half-done, and `ref` (if given) has no record. */
export async function assertNothingPartial(store: LocalImageStore, ref?: string): Promise<void> {
  assert.deepEqual(await fs.readdir(path.join(store.root, "ingest")), [], "ingest/ must be empty");
  assert.deepEqual(await fs.readdir(path.join(store.root, "tmp")), [], "tmp/ must be empty");
  const images = await fs.readdir(path.join(store.root, "images"));
  assert.deepEqual(images.filter((n) => !n.endsWith(".json")), [], "no half-written image records");
  if (ref !== undefined) assert.equal(await store.images.get(ref), undefined, `no record for ${ref}`);
}
