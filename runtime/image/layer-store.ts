// A LayerStore on the local filesystem:
//
//   <root>/layers/<chain hex>/    one unpacked layer (an overlayfs lowerdir), read-only by contract
//   <root>/tmp/unpack-<random>/   a layer being unpacked; renamed into layers/ when complete
//
// A crash mid-unpack leaves only tmp/ entries, which cleanup() removes.

import { createReadStream, promises as fs } from "node:fs";
import * as path from "node:path";
import { hexOf } from "./content-store";
import { lstatOrUndefined } from "./layer-paths";
import type { Digest, LayerStore, UnpackedLayer } from "./types";
import { unpackLayer, type UnpackResult } from "./unpack";

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

  async unpack(blobPath: string, expected: { chainId: Digest; diffId: Digest }): Promise<UnpackedLayer> {
    const dest = this.path(expected.chainId);
    if (!(await this.has(expected.chainId))) {
      const source = createReadStream(blobPath);
      let result: UnpackResult;
      try {
        result = await unpackLayer(source, { dest, tmpDir: this.tmpDir, expectedDiffId: expected.diffId });
      } finally {
        source.destroy();
      }
      if (result.warnings.length > 0) this.warnings.set(expected.chainId, result.warnings);
    }
    return { chainId: expected.chainId, diffId: expected.diffId, path: dest };
  }

  async delete(chainId: Digest): Promise<void> {
    // Rename first so a half-deleted layer is never visible under its chain ID.
    const doomed = path.join(this.tmpDir, `delete-${hexOf(chainId)}-${process.hrtime.bigint()}`);
    try {
      await fs.rename(this.path(chainId), doomed);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return;
      throw err;
    }
    await fs.rm(doomed, { recursive: true, force: true });
  }

  async list(): Promise<Digest[]> {
    return (await fs.readdir(this.layerDir)).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async cleanup(): Promise<void> {
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { recursive: true, force: true });
  }
}
