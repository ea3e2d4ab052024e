// The decompressed tar stream of a layer blob, and the mapping of stream failures to BadLayer.
// Compression is told by magic bytes, not by media type (registries and builders disagree on
// those): gzip is inflated, plain tar passes through, zstd/xz/bzip2 are Unsupported.

import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { ImageError } from "./types";

/** The uncompressed tar stream: gzip is detected by its magic bytes, not by media type. */
export async function decompressed(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Readable> {
  const it = (async function* () {
    yield* source;
  })();
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 6 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else {
      head.push(Buffer.from(r.value));
      headLen += r.value.length;
    }
  }
  const first = Buffer.concat(head);
  const rest = (async function* () {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield asBuffer(r.value);
    }
  })();
  const magic = first.subarray(0, 6).toString("hex");
  const unsupported = magic.startsWith("28b52ffd") ? "zstd" : magic === "fd377a585a00" ? "xz" : first.subarray(0, 3).toString("latin1") === "BZh" ? "bzip2" : undefined;
  if (unsupported) {
    await it.return?.(undefined);
    throw new ImageError("Unsupported", `${unsupported}-compressed layers are not supported (only gzip and plain tar)`);
  }
  const raw = Readable.from(rest, { objectMode: false });
  if (first[0] !== 0x1f || first[1] !== 0x8b) return raw;
  // 1 MiB out per step instead of 16 KiB: each step is a trip to the thread pool and through
  // the streams, the hash and the tar parser (the caps are still checked before a chunk is used).
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  pipeline(raw, gunzip, (err) => {
    if (err) gunzip.destroy(err);
  });
  return gunzip;
}

/** The same bytes as a Buffer, without copying them. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Resolves once `w` wants more data, or is destroyed (then at once: no event would come). */
export function drained(w: NodeJS.EventEmitter & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (w.destroyed) return resolve();
    const done = () => {
      w.off("drain", done);
      w.off("close", done);
      resolve();
    };
    w.on("drain", done);
    w.on("close", done);
  });
}

export function asBadLayer(err: unknown): unknown {
  if (err instanceof ImageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const fromZlib = typeof code === "string" && code.startsWith("Z_");
  const fromTar = /tar|Unexpected end of data|Invalid|Header exceeds max size/i.test(message) && !(typeof code === "string" && code.startsWith("E"));
  if (fromZlib || fromTar) return new ImageError("BadLayer", `layer is not a valid ${fromZlib ? "gzip " : ""}tar stream: ${message}`, {}, { cause: err });
  return err;
}
