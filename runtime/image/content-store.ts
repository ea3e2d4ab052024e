// A ContentStore on the local filesystem:
//
//   <root>/blobs/sha256/<hex>     verified blobs, read-only (0444)
//   <root>/ingest/<hex>.<random>  blobs being written; renamed into blobs/ only once verified
//
// ingest/ sits on the same filesystem as blobs/, so the final rename is atomic: a reader sees
// a whole verified blob or none. A crash leaves only ingest/ files, which cleanup() removes.

import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { checkDigest } from "./reference";
import { ImageError, type ContentInfo, type ContentStore, type Digest } from "./types";

export class FsContentStore implements ContentStore {
  readonly root: string;
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.blobDir = path.join(this.root, "blobs", "sha256");
    this.ingestDir = path.join(this.root, "ingest");
  }

  async init(): Promise<void> {
    await fs.mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.ingestDir, { recursive: true, mode: 0o700 });
  }

  path(digest: Digest): string {
    return path.join(this.blobDir, hexOf(digest));
  }

  async info(digest: Digest): Promise<ContentInfo | undefined> {
    try {
      const st = await fs.stat(this.path(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(digest));
    } catch (err) {
      if (isNotFound(err)) throw new ImageError("NotFound", `blob ${digest} is not in the content store`, { digest });
      throw err;
    }
  }

  async ingest(expected: ContentInfo, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onBytes?: (n: number) => void): Promise<ContentInfo> {
    const hex = hexOf(expected.digest);
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new ImageError("BadManifest", `descriptor size ${expected.size} is not a byte count`, { digest: expected.digest });
    }
    const tmp = path.join(this.ingestDir, `${hex}.${randomBytes(6).toString("hex")}`);
    const file = await fs.open(tmp, "wx", 0o600);
    let closed = false;
    try {
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of data) {
        size += chunk.length;
        if (size > expected.size) {
          throw new ImageError("SizeMismatch", `blob is larger than the ${expected.size} bytes its descriptor declares`, { digest: expected.digest });
        }
        hash.update(chunk);
        await file.write(chunk);
        onBytes?.(chunk.length);
      }
      if (size !== expected.size) {
        throw new ImageError("SizeMismatch", `blob has ${size} bytes but its descriptor declares ${expected.size}`, { digest: expected.digest });
      }
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== expected.digest) {
        throw new ImageError("DigestMismatch", `content hashes to ${actual}, not to the digest that names it`, { digest: expected.digest });
      }
      await file.chmod(0o444);
      await file.sync();
      await file.close();
      closed = true;
      await fs.rename(tmp, this.path(expected.digest));
      return { digest: expected.digest, size };
    } catch (err) {
      if (!closed) await file.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }

  async list(): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for (const name of await fs.readdir(this.blobDir)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const st = await fs.stat(path.join(this.blobDir, name));
      out.push({ digest: `sha256:${name}`, size: st.size });
    }
    return out;
  }

  async cleanup(): Promise<void> {
    for (const name of await fs.readdir(this.ingestDir)) await fs.rm(path.join(this.ingestDir, name), { force: true });
  }
}

/** The hex part of a sha256 digest; throws InvalidReference/Unsupported for anything else. */
export function hexOf(digest: Digest): string {
  return checkDigest(digest).slice("sha256:".length);
}

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "ENOENT";
}
