// A ContentStore on the local filesystem:
//
//   <root>/blobs/sha256/<hex>     verified blobs, read-only (0444)
//   <root>/ingest/<hex>.<random>  blobs being written; renamed into blobs/ only once verified
//
// ingest/ sits on the same filesystem as blobs/, so the final rename is atomic: a reader sees
// a whole verified blob or none. A crash leaves only ingest/ files, which cleanup() removes.

import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
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
    const writer = await this.writer(expected);
    try {
      for await (const chunk of data) {
        await writer.write(chunk);
        onBytes?.(chunk.length);
      }
      return await writer.commit();
    } finally {
      await writer.abort(); // a no-op once committed
    }
  }

  /** A blob written chunk by chunk (a layer unpacked while it downloads); see BlobWriter. */
  async writer(expected: ContentInfo): Promise<BlobWriter> {
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new ImageError("BadManifest", `descriptor size ${expected.size} is not a byte count`, { digest: expected.digest });
    }
    const tmp = path.join(this.ingestDir, `${hexOf(expected.digest)}.${randomBytes(6).toString("hex")}`);
    return new BlobWriter(expected, tmp, await fs.open(tmp, "wx", 0o600), this.path(expected.digest));
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

/**
 * One blob on its way into the store: write() checks the size and hashes each chunk, then
 * writes it to ingest/ (a chunk's write overlaps whatever the caller does with it next, the
 * previous one is awaited first). commit() verifies size and digest, syncs and renames it into
 * blobs/; abort() removes what was written. Nothing is visible under the digest before commit.
 */
export class BlobWriter {
  private readonly hash = createHash("sha256");
  private size = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private state: "open" | "committed" | "aborted" = "open";

  constructor(
    readonly expected: ContentInfo,
    private readonly tmp: string,
    private readonly file: FileHandle,
    private readonly dest: string,
  ) {}

  get received(): number {
    return this.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length;
    if (this.size > this.expected.size) {
      throw new ImageError("SizeMismatch", `blob is larger than the ${this.expected.size} bytes its descriptor declares`, { digest: this.expected.digest });
    }
    this.hash.update(chunk);
    await this.writing;
    this.writing = this.file.write(chunk);
    this.writing.catch(() => undefined); // surfaced by the next write() or commit()
  }

  async commit(): Promise<ContentInfo> {
    const { digest, size } = this.expected;
    await this.writing;
    if (this.size !== size) throw new ImageError("SizeMismatch", `blob has ${this.size} bytes but its descriptor declares ${size}`, { digest });
    const actual = `sha256:${this.hash.digest("hex")}`;
    if (actual !== digest) throw new ImageError("DigestMismatch", `content hashes to ${actual}, not to the digest that names it`, { digest });
    await this.file.chmod(0o444);
    await this.file.sync();
    await this.file.close();
    await fs.rename(this.tmp, this.dest);
    this.state = "committed";
    return { digest, size };
  }

  /** Removes the partial blob; a no-op after commit() or a previous abort(). */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    await this.writing.catch(() => undefined);
    await this.file.close().catch(() => undefined);
    await fs.rm(this.tmp, { force: true });
  }
}

/** The hex part of a sha256 digest; throws InvalidReference/Unsupported for anything else. */
export function hexOf(digest: Digest): string {
  return checkDigest(digest).slice("sha256:".length);
}

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "ENOENT";
}
