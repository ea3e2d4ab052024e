// Unpacks one layer (tar, optionally gzip-compressed) into a directory in overlayfs form.
//
//   bytes ──magic?──► gunzip ──► sha256 (diff ID) ──► tar-stream ──► entries ──► <tmp dir>
//                                                                              │ all ok and
//                                                                              ▼ diff ID matches
//                                                                       rename → <dest>
//
// Entry policy (see layer-paths.ts for the path rules):
//   file, contiguous-file  written with O_EXCL|O_NOFOLLOW; mode, uid/gid, mtime, xattrs kept
//   directory              created or reused; its mode/owner/mtime applied last, deepest first
//   symlink                created as-is (its target is data, never followed while unpacking)
//   hardlink               target must already exist in this layer, inside the root, not a dir
//   .wh.<name>             whiteout: a 0/0 char device at <name> (unless <name> is in this layer)
//   .wh..wh..opq           opaque dir: trusted.overlay.opaque=y on the containing directory
//   .wh..wh.<other>        aufs bookkeeping: ignored
//   char device 0/0        already an overlay whiteout: kept as one
//   other char/block dev   refused (UnsafeLayer): an image has no business carrying devices
//   fifo                   allowed (harmless, some images ship one) and created with mkfifo
//   anything else          refused (Unsupported)
// Xattrs: only user.* and security.* from SCHILY.xattr.* pax records are applied; trusted.*
// (which would let a layer forge overlayfs metadata) and system.* are dropped with a warning,
// as are values tar-stream could not decode as UTF-8.

import { createHash, randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import * as path from "node:path";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import { cleanEntryPath, lstatOrUndefined, pathState, resolveParent } from "./layer-paths";
import { isRestorableXattrName, makeSpecialFiles, setXattrs, type SpecialKind } from "./overlay-marks";
import { ImageError, type Digest } from "./types";

export interface UnpackOptions {
  /** Final directory; must not exist. If it appears meanwhile (a concurrent unpack), ours is dropped. */
  dest: string;
  /** Directory for the temporary tree; must be on dest's filesystem. */
  tmpDir: string;
  /** The config's diff ID for this layer; a mismatch fails the unpack (DigestMismatch). */
  expectedDiffId?: Digest;
}

export interface UnpackResult {
  diffId: Digest;
  /** Uncompressed tar size in bytes. */
  size: number;
  entries: number;
  warnings: string[];
}

interface Meta {
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

const opaqueMarker = ".wh..wh..opq";
const whiteoutPrefix = ".wh.";
const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Unpacks the layer at `source` into `opts.dest`, atomically. */
export async function unpackLayer(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: UnpackOptions): Promise<UnpackResult> {
  await fs.mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
  const tmp = path.join(opts.tmpDir, `unpack-${randomBytes(6).toString("hex")}`);
  await fs.mkdir(tmp, { mode: 0o755 });
  try {
    const result = await extractInto(source, tmp);
    if (opts.expectedDiffId !== undefined && result.diffId !== opts.expectedDiffId) {
      throw new ImageError("DigestMismatch", `layer content hashes to diff ID ${result.diffId}, but the image config says ${opts.expectedDiffId}`);
    }
    try {
      await fs.rename(tmp, opts.dest);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      await fs.rm(tmp, { recursive: true, force: true }); // an identical layer won the race
    }
    return result;
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function extractInto(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, root: string): Promise<UnpackResult> {
  const tarBytes = await decompressed(source);
  const hash = createHash("sha256");
  let size = 0;
  const extract = tar.extract();
  const layer = new LayerWriter(root);

  // The first failure of the stream itself (gunzip, tar parsing): when it happens mid-entry
  // the entry's reader only sees "Stream was destroyed", which would hide the cause.
  let streamError: unknown;
  extract.on("error", (err: unknown) => (streamError ??= err));
  const produce = (async () => {
    try {
      for await (const chunk of tarBytes as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (!extract.write(chunk)) await drained(extract);
      }
      extract.end(undefined);
    } catch (err) {
      streamError ??= err;
      extract.destroy(asBadLayer(err) as Error);
    }
  })();

  try {
    for await (const entry of extract) await layer.apply(entry);
  } catch (err) {
    tarBytes.destroy();
    await produce;
    throw asBadLayer(err instanceof ImageError ? err : (streamError ?? err));
  }
  await produce;
  await layer.finish();
  return { diffId: `sha256:${hash.digest("hex")}`, size, entries: layer.entries, warnings: layer.warnings };
}

/** The uncompressed tar stream: gzip is detected by its magic bytes, not by media type. */
async function decompressed(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Readable> {
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
      yield Buffer.from(r.value);
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
  const gunzip = createGunzip();
  pipeline(raw, gunzip, (err) => {
    if (err) gunzip.destroy(err);
  });
  return gunzip;
}

function drained(w: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off("drain", done);
      w.off("close", done);
      resolve();
    };
    w.on("drain", done);
    w.on("close", done);
  });
}

function asBadLayer(err: unknown): unknown {
  if (err instanceof ImageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const fromZlib = typeof code === "string" && code.startsWith("Z_");
  const fromTar = /tar|Unexpected end of data|Invalid/i.test(message) && !(typeof code === "string" && code.startsWith("E"));
  if (fromZlib || fromTar) return new ImageError("BadLayer", `layer is not a valid ${fromZlib ? "gzip " : ""}tar stream: ${message}`, {}, { cause: err });
  return err;
}

type TarEntry = AsyncIterable<unknown> & { header: tar.Header; resume(): unknown };

class LayerWriter {
  entries = 0;
  readonly warnings: string[] = [];
  private readonly dirMeta = new Map<string, Meta>();
  private readonly specials = new Map<string, { kind: SpecialKind; meta?: Meta }>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();

  constructor(private readonly root: string) {}

  async apply(entry: TarEntry): Promise<void> {
    this.entries++;
    try {
      await this.applyHeader(entry.header, entry);
    } finally {
      entry.resume(); // drain whatever the handler did not read
    }
  }

  private async applyHeader(h: tar.Header, data: AsyncIterable<unknown>): Promise<void> {
    const parts = cleanEntryPath(h.name);
    const base = parts[parts.length - 1] ?? "";
    const meta = metaOf(h);

    if (base.startsWith(whiteoutPrefix)) {
      const { parts: dir } = await resolveParent(this.root, parts, h.name, true);
      if (base === opaqueMarker) this.addXattr(dir.join("/"), "trusted.overlay.opaque", Buffer.from("y"));
      else if (!base.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
        const name = base.slice(whiteoutPrefix.length);
        if (name === "" || name === "." || name === "..") throw new ImageError("UnsafeLayer", `whiteout entry ${JSON.stringify(h.name)} names no file`);
        const rel = [...dir, name].join("/");
        // A whiteout hides lower layers only; a file this layer already wrote stays.
        if (!(await exists(path.join(this.root, rel)))) this.specials.set(rel, { kind: "whiteout" });
      }
      return;
    }

    if (parts.length === 0) {
      if (h.type === "directory") this.dirMeta.set("", meta);
      return;
    }
    const parent = await resolveParent(this.root, parts, h.name, true);
    const rel = [...parent.parts, base].join("/");
    const abs = path.join(parent.abs, base);
    this.specials.delete(rel);

    // tar-stream reports typeflags it does not know as null.
    switch (h.type as tar.Header["type"] | null) {
      case "directory": {
        const st = await lstatOrUndefined(abs);
        if (!st?.isDirectory()) {
          if (st) await fs.rm(abs, { recursive: true, force: true });
          await fs.mkdir(abs, { mode: 0o700 });
        }
        this.dirMeta.set(rel, meta);
        break;
      }
      case "file":
      case "contiguous-file":
        await this.replace(abs);
        await writeFile(abs, data, meta);
        break;
      case "symlink":
        await this.replace(abs);
        await fs.symlink(h.linkname ?? "", abs);
        if (asRoot) await fs.lchown(abs, meta.uid, meta.gid);
        await fs.lutimes(abs, meta.mtime, meta.mtime);
        break;
      case "link": {
        const targetParts = cleanEntryPath(h.linkname ?? "");
        if (targetParts.length === 0) throw new ImageError("UnsafeLayer", `hardlink ${JSON.stringify(h.name)} has an empty target`);
        const tParent = await resolveParent(this.root, targetParts, h.linkname ?? "", false);
        const target = path.join(tParent.abs, targetParts[targetParts.length - 1]);
        const tst = await lstatOrUndefined(target);
        if (!tst) throw new ImageError("BadLayer", `hardlink ${JSON.stringify(h.name)} points to ${JSON.stringify(h.linkname)}, which is not in this layer`);
        if (tst.isDirectory()) throw new ImageError("UnsafeLayer", `hardlink ${JSON.stringify(h.name)} points to a directory`);
        if (target === abs) break;
        await this.replace(abs);
        await fs.link(target, abs);
        break;
      }
      case "character-device":
        if (h.devmajor === 0 && h.devminor === 0) {
          await this.replace(abs);
          this.specials.set(rel, { kind: "whiteout" });
          break;
        }
        throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(h.name)} is a character device (${h.devmajor}:${h.devminor}); device nodes are refused`);
      case "block-device":
        throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(h.name)} is a block device (${h.devmajor}:${h.devminor}); device nodes are refused`);
      case "fifo":
        await this.replace(abs);
        this.specials.set(rel, { kind: "fifo", meta });
        break;
      default:
        throw new ImageError("Unsupported", `entry ${JSON.stringify(h.name)} has an unknown tar type, which layers may not contain`);
    }
    if (h.type !== "link") this.addPaxXattrs(rel, h);
  }

  /** Removes whatever is at `abs` (a symlink is removed, never followed). */
  private async replace(abs: string): Promise<void> {
    await fs.rm(abs, { recursive: true, force: true });
  }

  private addXattr(rel: string, name: string, value: Buffer): void {
    let m = this.xattrs.get(rel);
    if (!m) this.xattrs.set(rel, (m = new Map()));
    m.set(name, value);
  }

  private addPaxXattrs(rel: string, h: tar.Header): void {
    const pax = h.pax as Record<string, string> | null | undefined;
    if (!pax) return;
    for (const [key, value] of Object.entries(pax)) {
      if (!key.startsWith("SCHILY.xattr.")) continue;
      const name = key.slice("SCHILY.xattr.".length);
      if (!/^(user|security)\./.test(name) || !isRestorableXattrName(name)) {
        this.warnings.push(`${rel}: dropped xattr ${name} (only user.* and security.* are applied)`);
      } else if (value.includes("\ufffd")) {
        this.warnings.push(`${rel}: dropped xattr ${name} (binary value could not be decoded)`);
      } else {
        this.addXattr(rel, name, Buffer.from(value, "utf8"));
      }
    }
  }

  /** Work that must follow every entry: special files, xattrs, then directory metadata. */
  async finish(): Promise<void> {
    const specials: { rel: string; kind: SpecialKind; meta?: Meta }[] = [];
    for (const [rel, s] of this.specials) {
      if ((await pathState(this.root, rel)).kind === "missing") specials.push({ rel, ...s });
    }
    await makeSpecialFiles(this.root, specials);
    for (const s of specials) {
      if (!s.meta) continue;
      const abs = path.join(this.root, s.rel);
      if (asRoot) await fs.lchown(abs, s.meta.uid, s.meta.gid);
      await fs.chmod(abs, s.meta.mode);
      await fs.lutimes(abs, s.meta.mtime, s.meta.mtime);
    }

    const xattrs: { rel: string; attrs: Map<string, Buffer> }[] = [];
    for (const [rel, attrs] of this.xattrs) {
      if ((await pathState(this.root, rel)).kind === "present") xattrs.push({ rel, attrs });
    }
    await setXattrs(this.root, xattrs);

    const dirs = [...this.dirMeta.entries()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, meta] of dirs) {
      const st = await pathState(this.root, rel);
      if (st.kind !== "present" || !st.stat.isDirectory()) continue; // replaced by a later entry
      const abs = path.join(this.root, rel);
      if (asRoot) await fs.lchown(abs, meta.uid, meta.gid);
      await fs.chmod(abs, meta.mode);
      await fs.lutimes(abs, meta.mtime, meta.mtime);
    }
  }
}

async function writeFile(abs: string, data: AsyncIterable<unknown>, meta: Meta): Promise<void> {
  const fh = await fs.open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    for await (const chunk of data) await fh.write(chunk as Buffer);
    if (asRoot) await fh.chown(meta.uid, meta.gid); // before chmod: chown clears set-id bits
    await fh.chmod(meta.mode);
    await fh.utimes(meta.mtime, meta.mtime);
  } finally {
    await fh.close();
  }
}

function metaOf(h: tar.Header): Meta {
  const pax = (h.pax as Record<string, string> | null | undefined) ?? {};
  const num = (v: string | undefined, fallback: number) => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : fallback);
  const paxTime = pax.mtime !== undefined && /^-?[0-9]+(\.[0-9]+)?$/.test(pax.mtime) ? new Date(Number(pax.mtime) * 1000) : undefined;
  return {
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: num(pax.uid, h.uid ?? 0),
    gid: num(pax.gid, h.gid ?? 0),
    mtime: paxTime ?? h.mtime ?? new Date(0),
  };
}

function depth(rel: string): number {
  return rel === "" ? 0 : rel.split("/").length;
}

async function exists(p: string): Promise<boolean> {
  return (await lstatOrUndefined(p)) !== undefined;
}
