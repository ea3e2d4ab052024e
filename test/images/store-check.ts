// Helpers for tests that pull into a LocalImageStore: a fresh store in a temp dir (or on a
// tmpfs of a fixed size), and the checks that a failed pull left nothing partial behind.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalImageStore } from "../../runtime/image/store";

/** A fresh store in a temp dir under `parent` (default the system's temp dir). */
export async function tempStore(parent = os.tmpdir()): Promise<{ store: LocalImageStore; root: string; remove: () => Promise<void> }> {
  const root = await fs.mkdtemp(path.join(parent, "gantry-image-store-"));
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

/** The given blobs are not in the content store (a refused image dropped them). */
export async function assertNoBlobs(store: LocalImageStore, digests: readonly string[]): Promise<void> {
  for (const d of digests) assert.equal(await store.content.info(d), undefined, `blob ${d} must not be kept`);
}

/** No layer directory and no layer size file is in the store. */
export async function assertNoLayers(store: LocalImageStore): Promise<void> {
  assert.deepEqual(await fs.readdir(path.join(store.root, "layers")), [], "layers/ must be empty");
}

export interface SizedDir {
  dir: string;
  /** Bytes in use on it now. */
  used(): Promise<number>;
  /** Runs `work`, sampling used() every millisecond meanwhile: its time, and the most it added. */
  measure(work: () => Promise<unknown>): Promise<{ ms: number; peak: number }>;
  remove(): Promise<void>;
}

/**
 * A tmpfs of `bytes` at a fresh temp dir: a store on it cannot write more than that (ENOSPC),
 * which turns "wrote at most N bytes" into something a test can rely on. Needs root.
 */
export async function tmpfsDir(bytes: number): Promise<SizedDir> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", dir]);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const used = async () => {
    const s = await fs.statfs(dir);
    return (s.blocks - s.bfree) * s.bsize;
  };
  return {
    dir,
    used,
    async measure(work) {
      const usedBefore = await used();
      let peak = usedBefore;
      let sampling = false;
      const timer = setInterval(() => {
        if (sampling) return;
        sampling = true;
        void used()
          .then((n) => void (peak = Math.max(peak, n)), () => undefined)
          .finally(() => (sampling = false));
      }, 1);
      const t0 = performance.now();
      try {
        await work();
      } finally {
        clearInterval(timer);
      }
      const ms = performance.now() - t0;
      return { ms, peak: Math.max(peak, await used()) - usedBefore };
    },
    async remove() {
      execFileSync("umount", [dir]);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
