// The node's image state directory, tying the three stores together:
//
//   <root>/blobs/sha256/<hex>   content store: manifests, indexes, configs, compressed layers
//   <root>/layers/<chain hex>/  layer store: unpacked, read-only layer dirs (overlayfs lowerdirs)
//   <root>/images/<hash>.json   image store: what each pulled reference resolved to
//   <root>/ingest/, <root>/tmp/ work in progress; never read by anyone else
//
// Pulls run concurrently with each other; gc() waits for them to finish and holds new ones
// back, so it never deletes a blob or layer a pull is about to record.

import * as path from "node:path";
import { FsContentStore } from "./content-store";
import { FsImageStore } from "./image-store";
import { FsLayerStore } from "./layer-store";
import { isSha256Digest, normalizeReference } from "./reference";
import type { Digest, ImageRecord } from "./types";

export interface GcResult {
  removedImages: string[];
  removedLayers: Digest[];
  removedBlobs: Digest[];
}

export class LocalImageStore {
  readonly root: string;
  readonly content: FsContentStore;
  readonly layers: FsLayerStore;
  readonly images: FsImageStore;
  private readonly gate = new SharedExclusiveGate();
  /** Blobs running pulls use, with how many pulls use each; dropBlobs() leaves them alone. */
  private readonly blobHolds = new Map<Digest, number>();
  /** Deletions dropBlobs() has under way; holdBlobs() waits for them. */
  private readonly blobDrops = new Map<Digest, Promise<void>>();

  private constructor(root: string) {
    this.root = path.resolve(root);
    this.content = new FsContentStore(this.root);
    this.layers = new FsLayerStore(this.root);
    this.images = new FsImageStore(this.root, (chainId) => this.layers.path(chainId));
  }

  /** Opens (creating if needed) the state directory and removes leftovers of a crash. */
  static async open(root: string): Promise<LocalImageStore> {
    const store = new LocalImageStore(root);
    await store.content.init();
    await store.layers.init();
    await store.images.init();
    await store.gate.exclusive(() => store.cleanup());
    return store;
  }

  /** Runs `fn` (a pull) so that gc() does not run meanwhile. */
  withPull<T>(fn: () => Promise<T>): Promise<T> {
    return this.gate.shared(fn);
  }

  /**
   * Marks blobs as used by a running pull until the returned function is called, so that
   * another pull's dropBlobs() keeps them. Resolves once no deletion of them is under way.
   */
  async holdBlobs(digests: readonly Digest[]): Promise<() => void> {
    for (const d of digests) this.blobHolds.set(d, (this.blobHolds.get(d) ?? 0) + 1);
    await Promise.all(digests.map((d) => this.blobDrops.get(d)));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of digests) {
        const n = (this.blobHolds.get(d) ?? 1) - 1;
        if (n > 0) this.blobHolds.set(d, n);
        else this.blobHolds.delete(d);
      }
    };
  }

  /**
   * Deletes the given blobs, except those an image record names or a running pull holds:
   * what a pull refused for its content removes, so the refused image leaves nothing behind.
   */
  async dropBlobs(digests: readonly Digest[]): Promise<void> {
    const named = blobsNamedBy(await this.images.list());
    for (const d of new Set(digests)) {
      if (named.has(d) || this.blobHolds.has(d)) continue;
      const drop = this.content.delete(d).finally(() => this.blobDrops.delete(d));
      this.blobDrops.set(d, drop);
      await drop;
    }
  }

  /**
   * Garbage collection. With `keep`, image records whose reference (in any form parseReference
   * accepts) or manifest digest is not listed are deleted first. Then every layer directory
   * and blob that no remaining record references is removed, as are crash leftovers.
   */
  gc(keep?: readonly string[]): Promise<GcResult> {
    return this.gate.exclusive(async () => {
      const result: GcResult = { removedImages: [], removedLayers: [], removedBlobs: [] };
      let records = await this.images.list();
      if (keep !== undefined) {
        const refs = new Set(keep.filter((k) => !isSha256Digest(k)).map((k) => normalizeReference(k)));
        const digests = new Set(keep.filter((k) => isSha256Digest(k)));
        const kept: ImageRecord[] = [];
        for (const r of records) {
          if (refs.has(r.ref) || digests.has(r.digest)) kept.push(r);
          else {
            await this.images.delete(r.ref);
            result.removedImages.push(r.ref);
          }
        }
        records = kept;
      }
      const blobs = blobsNamedBy(records);
      const chains = new Set(records.flatMap((r) => r.layers.map((l) => l.chainId)));
      for (const chainId of await this.layers.list()) {
        if (chains.has(chainId)) continue;
        await this.layers.delete(chainId);
        result.removedLayers.push(chainId);
      }
      for (const { digest } of await this.content.list()) {
        if (blobs.has(digest)) continue;
        await this.content.delete(digest);
        result.removedBlobs.push(digest);
      }
      await this.cleanup();
      return result;
    });
  }

  private async cleanup(): Promise<void> {
    await this.content.cleanup();
    await this.layers.cleanup();
    await this.images.cleanup();
  }
}

/** Every blob the records name: manifests, indexes, configs and layers. */
function blobsNamedBy(records: readonly ImageRecord[]): Set<Digest> {
  const blobs = new Set<Digest>();
  for (const r of records) {
    blobs.add(r.digest).add(r.configDigest);
    if (r.indexDigest) blobs.add(r.indexDigest);
    for (const l of r.layers) blobs.add(l.digest);
  }
  return blobs;
}

/** Many shared holders or one exclusive holder; a waiting exclusive holder blocks new shared ones. */
class SharedExclusiveGate {
  private sharedCount = 0;
  private exclusiveHeld: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveHeld) await this.exclusiveHeld;
    this.sharedCount++;
    try {
      return await fn();
    } finally {
      if (--this.sharedCount === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveHeld) await this.exclusiveHeld;
    let release!: () => void;
    this.exclusiveHeld = new Promise<void>((r) => (release = r));
    try {
      while (this.sharedCount > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      return await fn();
    } finally {
      this.exclusiveHeld = undefined;
      release();
    }
  }
}
