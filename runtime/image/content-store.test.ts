import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FsContentStore } from "./content-store";
import { ImageError } from "./types";

const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function* chunks(b: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe("FsContentStore", () => {
  let dir: string;
  let store: FsContentStore;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-content-test-"));
    store = new FsContentStore(dir);
    await store.init();
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const ingestLeftovers = async () => fs.readdir(path.join(dir, "ingest"));

  it("stores a verified blob under blobs/sha256/<hex>, read-only", async () => {
    const data = Buffer.from("hello blob world");
    const digest = digestOf(data);
    let seen = 0;
    const info = await store.ingest({ digest, size: data.length }, chunks(data), (n) => (seen += n));
    assert.deepEqual(info, { digest, size: data.length });
    assert.equal(seen, data.length);
    assert.equal(store.path(digest), path.join(dir, "blobs", "sha256", digest.slice(7)));
    assert.deepEqual(await store.read(digest), data);
    assert.deepEqual(await store.info(digest), { digest, size: data.length });
    assert.equal((await fs.stat(store.path(digest))).mode & 0o777, 0o444);
    assert.deepEqual(await store.list(), [{ digest, size: data.length }]);
    assert.deepEqual(await ingestLeftovers(), []);
  });

  it("refuses content that does not hash to its digest and keeps nothing", async () => {
    const data = Buffer.from("the real bytes");
    const claimed = digestOf(Buffer.from("other bytes!!!"));
    await assert.rejects(store.ingest({ digest: claimed, size: data.length }, chunks(data)), (err: unknown) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.code, "DigestMismatch");
      assert.equal(err.digest, claimed);
      assert.match(err.message, new RegExp(`hashes to ${digestOf(data)}`));
      return true;
    });
    assert.equal(await store.info(claimed), undefined);
    assert.deepEqual(await ingestLeftovers(), []);
  });

  it("refuses content longer or shorter than the descriptor says", async () => {
    const data = Buffer.alloc(100, 1);
    const digest = digestOf(data);
    await assert.rejects(store.ingest({ digest, size: 50 }, chunks(data)), { code: "SizeMismatch", message: /larger than the 50 bytes/ });
    await assert.rejects(store.ingest({ digest, size: 150 }, chunks(data)), { code: "SizeMismatch", message: /has 100 bytes but its descriptor declares 150/ });
    assert.equal(await store.info(digest), undefined);
    assert.deepEqual(await ingestLeftovers(), []);
  });

  it("removes the temp file when the source fails midway", async () => {
    const data = Buffer.alloc(64, 2);
    async function* broken() {
      yield data.subarray(0, 10);
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    }
    await assert.rejects(store.ingest({ digest: digestOf(data), size: data.length }, broken()), { code: "ECONNRESET" });
    assert.deepEqual(await ingestLeftovers(), []);
  });

  it("lets concurrent ingests of one blob both succeed", async () => {
    const data = Buffer.alloc(5000, 3);
    const digest = digestOf(data);
    await Promise.all([store.ingest({ digest, size: data.length }, chunks(data, 100)), store.ingest({ digest, size: data.length }, chunks(data, 333))]);
    assert.deepEqual(await store.read(digest), data);
    assert.deepEqual(await ingestLeftovers(), []);
  });

  it("deletes blobs, and rejects digests that are not sha256", async () => {
    const data = Buffer.from("to delete");
    const digest = digestOf(data);
    await store.ingest({ digest, size: data.length }, [data]);
    await store.delete(digest);
    await store.delete(digest); // absent is fine
    assert.equal(await store.info(digest), undefined);
    await assert.rejects(store.read(digest), { code: "NotFound" });
    assert.throws(() => store.path("sha256:../../etc/passwd"), { code: "InvalidReference" });
    assert.throws(() => store.path(`md5:${"a".repeat(32)}`), { code: "Unsupported" });
  });

  it("cleanup() removes leftovers of a crashed ingest", async () => {
    await fs.writeFile(path.join(dir, "ingest", `${"b".repeat(64)}.deadbeef`), "partial");
    await store.cleanup();
    assert.deepEqual(await ingestLeftovers(), []);
  });
});
