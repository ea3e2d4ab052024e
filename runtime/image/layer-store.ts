// A LayerStore on the local filesystem. A layer is staged from its blob in the content store or
// straight from its download (layer-fetch.ts):
//
//   <root>/layers/<chain hex>/      one unpacked layer (an overlayfs lowerdir), read-only by contract
//   <root>/layers/<chain hex>.json  { "size": <decompressed tar bytes> }, for the image size cap
//   <root>/tmp/unpack-<random>/     a layer being unpacked or staged; renamed into layers/ on commit
//
// A crash mid-unpack leaves only tmp/ entries (and perhaps a .json without its directory),
// which cleanup() removes.

import { createReadStream, promises as fs } from "node:fs";
import * as path from "node:path";
import { hexOf } from "./content-store";
import { lstatOrUndefined } from "./layer-paths";
import type { ImageBytes, UnpackLimits } from "./limits";
import type { Digest, LayerStore, StagedLayer } from "./types";
import { commitLayerDir, extractLayer } from "./unpack";

export interface StageCaps {
  limits?: Partial<UnpackLimits>;
  imageBytes?: Pick<ImageBytes, "charge">;
}

export class FsLayerStore implements LayerStore {
  readonly root: string;
  private readonly layerDir: string;
  private readonly tmpDir: string;
  /** Warnings of the last unpack of each chain (dropped xattrs), for callers that log them. */
  readonly warnings = new Map<Digest, string[]>();

  constructor(root: string) {
    this.root = path.resolve(root);
    this.layerDir = path.join(this.root, "layers");
    this.tmpDir = path.join(this.root, "tmp");
  }

  async init(): Promise<void> {
    await fs.mkdir(this.layerDir, { recursive: true, mode: 0o755 });
    await fs.mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  path(chainId: Digest): string {
    return path.join(this.layerDir, hexOf(chainId));
  }

  async has(chainId: Digest): Promise<boolean> {
    return (await lstatOrUndefined(this.path(chainId)))?.isDirectory() ?? false;
  }

  async stage(blob: string | AsyncIterable<Uint8Array>, expected: { chainId: Digest; diffId: Digest }, caps: StageCaps = {}): Promise<StagedLayer> {
    // Large reads: fewer trips through the stream machinery per MiB.
    const source = typeof blob === "string" ? createReadStream(blob, { highWaterMark: 1 << 20 }) : blob;
    let extracted: Awaited<ReturnType<typeof extractLayer>>;
    try {
      extracted = await extractLayer(source, { tmpDir: this.tmpDir, expectedDiffId: expected.diffId, ...caps });
    } finally {
      if (typeof blob === "string") (source as ReturnType<typeof createReadStream>).destroy();
    }
    const { dir, result } = extracted;
    const dest = this.path(expected.chainId);
    return {
      ...expected,
      size: result.size,
      entries: result.entries,
      commit: async () => {
        try {
          await this.writeSize(expected.chainId, result.size);
        } catch (err) {
          await fs.rm(dir, { recursive: true, force: true });
          throw err;
        }
        await commitLayerDir(dir, dest);
        if (result.warnings.length > 0) this.warnings.set(expected.chainId, result.warnings);
        return { chainId: expected.chainId, diffId: expected.diffId, path: dest };
      },
      discard: () => fs.rm(dir, { recursive: true, force: true }),
    };
  }

  async size(chainId: Digest): Promise<number | undefined> {
    if (!(await this.has(chainId))) return undefined;
    try {
      const { size } = JSON.parse(await fs.readFile(this.sizePath(chainId), "utf8")) as { size?: unknown };
      if (typeof size === "number" && Number.isSafeInteger(size) && size >= 0) return size;
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT" && !(err instanceof SyntaxError)) throw err;
    }
    // A layer unpacked before sizes were recorded: measure it once (file bytes plus a 512-byte
    // header per entry, as its tar had at least) and remember the answer.
    const size = await treeSize(this.path(chainId));
    await this.writeSize(chainId, size);
    return size;
  }

  async delete(chainId: Digest): Promise<void> {
    // Rename first so a half-deleted layer is never visible under its chain ID.
    const doomed = path.join(this.tmpDir, `delete-${hexOf(chainId)}-${process.hrtime.bigint()}`);
    try {
      await fs.rename(this.path(chainId), doomed);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return;
      throw err;
    } finally {
      await fs.rm(this.sizePath(chainId), { force: true });
    }
    await fs.rm(doomed, { recursive: true, force: true });
  }

  async list(): Promise<Digest[]> {
    return (await fs.readdir(this.layerDir)).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async cleanup(): Promise<void> {
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { recursive: true, force: true });
    const layers = new Set(await this.list());
    for (const name of await fs.readdir(this.layerDir)) {
      const m = /^([0-9a-f]{64})\.json$/.exec(name);
      if (m && !layers.has(`sha256:${m[1]}`)) await fs.rm(path.join(this.layerDir, name), { force: true });
    }
  }

  private sizePath(chainId: Digest): string {
    return `${this.path(chainId)}.json`;
  }

  private async writeSize(chainId: Digest, size: number): Promise<void> {
    const tmp = path.join(this.tmpDir, `size-${hexOf(chainId)}-${process.hrtime.bigint()}`);
    await fs.writeFile(tmp, `${JSON.stringify({ size })}\n`, { mode: 0o644 });
    await fs.rename(tmp, this.sizePath(chainId));
  }
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    total += 512;
    if (entry.isFile()) total += (await fs.lstat(path.join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}
