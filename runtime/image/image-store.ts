// An ImageStore on the local filesystem: one JSON file per reference,
// <root>/images/<sha256 of the canonical ref>.json, written to a temp file and renamed.
// Layer paths are not stored; they are recomputed from the layer store on read, so the
// state directory can move.

import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { isNotFound } from "./content-store";
import type { Digest, ImageRecord, ImageStore } from "./types";

type StoredRecord = Omit<ImageRecord, "layers"> & { layers: Omit<ImageRecord["layers"][number], "path">[] };

export class FsImageStore implements ImageStore {
  readonly root: string;
  private readonly dir: string;

  /** `layerPath` maps a chain ID to its unpacked directory (FsLayerStore.path). */
  constructor(root: string, private readonly layerPath: (chainId: Digest) => string) {
    this.root = path.resolve(root);
    this.dir = path.join(this.root, "images");
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async get(ref: string): Promise<ImageRecord | undefined> {
    try {
      return this.hydrate(JSON.parse(await fs.readFile(this.file(ref), "utf8")) as StoredRecord);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(record: ImageRecord): Promise<void> {
    const stored: StoredRecord = { ...record, layers: record.layers.map(({ path: _path, ...rest }) => rest) };
    const file = this.file(record.ref);
    const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await fs.writeFile(tmp, JSON.stringify(stored, null, 1), { mode: 0o600 });
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(ref: string): Promise<void> {
    await fs.rm(this.file(ref), { force: true });
  }

  async list(): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        out.push(this.hydrate(JSON.parse(await fs.readFile(path.join(this.dir, name), "utf8")) as StoredRecord));
      } catch (err) {
        if (!isNotFound(err)) throw err; // deleted meanwhile
      }
    }
    return out.sort((a, b) => a.ref.localeCompare(b.ref));
  }

  /** Removes temp files of interrupted writes. */
  async cleanup(): Promise<void> {
    for (const name of await fs.readdir(this.dir)) if (name.endsWith(".tmp")) await fs.rm(path.join(this.dir, name), { force: true });
  }

  private file(ref: string): string {
    return path.join(this.dir, `${createHash("sha256").update(ref).digest("hex")}.json`);
  }

  private hydrate(stored: StoredRecord): ImageRecord {
    return { ...stored, layers: stored.layers.map((l) => ({ ...l, path: this.layerPath(l.chainId) })) };
  }
}
