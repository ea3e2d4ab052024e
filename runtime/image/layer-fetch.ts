// One pass per layer: the blob's bytes go, as they arrive, both into the content store
// (size + sha256 checked, written under ingest/) and into the unpack (gunzip ─► caps ─► diff
// ID ─► tar ─► tmp/unpack-*), instead of downloading the whole blob and then reading it back.
//
//   registry ──chunk──► BlobWriter.write (size cap, sha256, ingest/ file)
//                 └───► stage: gunzip ─► caps ─► sha256 ─► tar entries ─► tmp/unpack-*
//   end of body ─► blob size and digest verified ─► blob renamed into blobs/
//              ─► only then is the staged layer handed back (commit is the puller's)
//
// The blob is always verified whole before the layer counts: if the unpack stops early (a
// corrupt gzip, an unsafe entry, a cap) the rest of the body is still read, up to the size its
// descriptor declares, so a blob that does not match its digest is reported as such
// (DigestMismatch naming the digest), as when blobs were downloaded first. Whatever fails, the
// staging directory and the partial blob are removed. A connection cut mid-body starts the
// layer over (RegistryClient.withBlob), its bytes given back to the image's size cap.

import type { IncomingMessage } from "node:http";
import type { BlobWriter } from "./content-store";
import type { ImageBytes, UnpackLimits } from "./limits";
import type { Reference } from "./reference";
import type { RegistryClient } from "./registry-client";
import type { LocalImageStore } from "./store";
import type { Descriptor, Digest, StagedLayer } from "./types";

export interface FetchLayerOptions {
  expected: { chainId: Digest; diffId: Digest };
  limits: UnpackLimits;
  imageBytes: ImageBytes;
  /** Bytes received so far of this blob (starts again from 0 if the download is retried). */
  onBytes?: (received: number) => void;
}

/** Downloads the layer blob `desc` and stages its unpacked form in one pass. */
export function fetchAndStageLayer(client: RegistryClient, ref: Reference, desc: Descriptor, store: LocalImageStore, opts: FetchLayerOptions): Promise<StagedLayer> {
  let charged = 0;
  const imageBytes = {
    charge: (n: number) => {
      opts.imageBytes.charge(n);
      charged += n;
    },
  };
  return client.withBlob(
    ref,
    desc,
    async (body) => {
      const writer = await store.content.writer({ digest: desc.digest, size: desc.size });
      try {
        return await stageWhileWriting(body, writer, (source) => store.layers.stage(source, opts.expected, { limits: opts.limits, imageBytes }), opts.onBytes);
      } finally {
        await writer.abort(); // a no-op once the blob was committed
      }
    },
    () => {
      opts.imageBytes.refund(charged);
      charged = 0;
      opts.onBytes?.(0);
    },
  );
}

/** Socket reads (64 KiB) are gathered into blocks of this size before they are hashed, written
 *  and inflated: each of those steps costs a trip to the thread pool, whatever its size. */
const blockBytes = 1 << 20;

/** Chunks of `body` joined into blocks of at least `size` bytes (the last may be shorter). */
async function* inBlocks(body: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer, void, undefined> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  for await (const chunk of body) {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= size) {
      yield held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
    }
  }
  if (heldBytes > 0) yield Buffer.concat(held, heldBytes);
}

/**
 * Feeds `body` to `stage` and to `writer` together; returns the staged layer once the blob is
 * committed. Blob errors (size, digest, the connection) take precedence over unpack errors.
 */
async function stageWhileWriting(body: IncomingMessage, writer: BlobWriter, stage: (source: AsyncIterable<Uint8Array>) => Promise<StagedLayer>, onBytes?: (received: number) => void): Promise<StagedLayer> {
  // Read by hand, not with for-await: the unpack may stop early, and the rest of the body must
  // then still be read into the writer, which for-await's early return would prevent.
  const chunks = inBlocks(body, blockBytes);
  let bodyError: unknown;
  let bodyDone = false;
  const nextChunk = async (): Promise<Buffer | undefined> => {
    if (bodyDone) return undefined;
    try {
      const r = await chunks.next();
      if (r.done) bodyDone = true;
      else {
        await writer.write(r.value);
        onBytes?.(writer.received);
      }
      return r.done ? undefined : r.value;
    } catch (err) {
      bodyError ??= err;
      bodyDone = true;
      throw err;
    }
  };
  const source = {
    async *[Symbol.asyncIterator]() {
      for (let chunk = await nextChunk(); chunk !== undefined; chunk = await nextChunk()) yield chunk;
    },
  };

  let staged: StagedLayer | undefined;
  let unpackError: unknown;
  try {
    staged = await stage(source);
  } catch (err) {
    unpackError = err;
  }
  try {
    if (bodyError !== undefined) throw bodyError;
    while ((await nextChunk()) !== undefined); // what the unpack did not need, for the digest
    await writer.commit();
  } catch (err) {
    await staged?.discard();
    throw err;
  }
  if (unpackError !== undefined) throw unpackError;
  return staged as StagedLayer;
}
