// Unpacks one layer (tar, optionally gzip-compressed) into a directory in overlayfs form.
//
//   bytes ──magic?──► gunzip ──► caps ──► sha256 (diff ID) ──► tar-stream ──► entries ──► <tmp dir>
//                               (layer and image bytes)             (entry count, file size)  │ all ok and
//                                                                                            ▼ diff ID matches
//                                                                                     rename → <dest>
//
// Caps (limits.ts) are checked on the decompressed stream before a chunk is hashed, parsed or
// written, and on each header before its entry is applied: past one, the unpack stops at once
// with LimitExceeded and its temporary directory is removed.
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
import * as tar from "tar-stream";
import { cleanEntryPath, KnownDirs, lstatOrUndefined, pathState, resolveParent } from "./layer-paths";
import { asBadLayer, decompressed, drained } from "./layer-stream";
import { limitExceeded, resolveUnpackLimits, type ImageBytes, type UnpackLimits } from "./limits";
import { isRestorableXattrName, makeSpecialFiles, setXattrs, type SpecialKind } from "./overlay-marks";
import { ImageError, type Digest } from "./types";

export interface ExtractOptions {
  /** Directory for the temporary tree; must be on the final directory's filesystem. */
  tmpDir: string;
  /** The config's diff ID for this layer; a mismatch fails the unpack (DigestMismatch). */
  expectedDiffId?: Digest;
  /** Caps (limits.ts); missing ones take their defaults. Past one: LimitExceeded. */
  limits?: Partial<UnpackLimits>;
  /** The image's running total of decompressed bytes, shared with its other layers. */
  imageBytes?: Pick<ImageBytes, "charge">;
}

export interface UnpackOptions extends ExtractOptions {
  /** Final directory; must not exist. If it appears meanwhile (a concurrent unpack), ours is dropped. */
  dest: string;
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
  const { dir, result } = await extractLayer(source, opts);
  await commitLayerDir(dir, opts.dest);
  return result;
}

/**
 * Unpacks the layer into a new directory under `opts.tmpDir` and returns it, complete and
 * checked against its diff ID, for commitLayerDir() (or removal). On failure nothing is left.
 */
export async function extractLayer(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: ExtractOptions): Promise<{ dir: string; result: UnpackResult }> {
  const limits = resolveUnpackLimits(opts.limits);
  await fs.mkdir(opts.tmpDir, { recursive: true, mode: 0o700 });
  const dir = path.join(opts.tmpDir, `unpack-${randomBytes(6).toString("hex")}`);
  await fs.mkdir(dir, { mode: 0o755 });
  try {
    const result = await extractInto(source, dir, limits, opts.imageBytes);
    if (opts.expectedDiffId !== undefined && result.diffId !== opts.expectedDiffId) {
      throw new ImageError("DigestMismatch", `layer content hashes to diff ID ${result.diffId}, but the image config says ${opts.expectedDiffId}`);
    }
    return { dir, result };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Renames an extracted layer to `dest`; if an identical layer got there first, ours is dropped. */
export async function commitLayerDir(dir: string, dest: string): Promise<void> {
  try {
    await fs.rename(dir, dest);
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    const code = (err as { code?: string }).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err; // else an identical layer won the race
  }
}

async function extractInto(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, root: string, limits: UnpackLimits, imageBytes?: Pick<ImageBytes, "charge">): Promise<UnpackResult> {
  const tarBytes = await decompressed(source);
  const hash = createHash("sha256");
  let size = 0;
  const extract = tar.extract();
  const layer = new LayerWriter(root, limits, ((await fs.stat(root)).mode & 0o2000) === 0);

  // The first failure of the stream itself (gunzip, tar parsing, a cap): when it happens
  // mid-entry the entry's reader only sees "Stream was destroyed", which would hide the cause.
  let streamError: unknown;
  extract.on("error", (err: unknown) => (streamError ??= err));
  const produce = (async () => {
    try {
      for await (const chunk of tarBytes as AsyncIterable<Buffer>) {
        if (extract.destroyed) break; // the entries' side failed (a write error, a refused entry)
        // Counted before the chunk goes anywhere: past a cap, not one more byte is parsed,
        // written or inflated.
        if (size + chunk.length > limits.maxLayerBytes) throw limitExceeded("maxLayerBytes", limits.maxLayerBytes);
        imageBytes?.charge(chunk.length);
        hash.update(chunk);
        size += chunk.length;
        if (!extract.write(chunk)) await drained(extract);
      }
      if (!extract.destroyed) extract.end(undefined);
    } catch (err) {
      streamError ??= err;
      tarBytes.destroy();
      extract.destroy(asBadLayer(err) as Error);
    }
  })();

  try {
    for await (const entry of extract) await layer.apply(entry);
  } catch (err) {
    const cause = err instanceof ImageError ? err : (streamError ?? err);
    extract.destroy();
    tarBytes.destroy();
    await produce;
    throw asBadLayer(cause);
  }
  await produce;
  await layer.finish();
  return { diffId: `sha256:${hash.digest("hex")}`, size, entries: layer.entries, warnings: layer.warnings };
}

type TarEntry = AsyncIterable<unknown> & { header: tar.Header; resume(): unknown };

class LayerWriter {
  entries = 0;
  readonly warnings: string[] = [];
  private readonly dirMeta = new Map<string, Meta>();
  private readonly specials = new Map<string, { kind: SpecialKind; meta?: Meta }>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();
  private readonly known = new KnownDirs();

  constructor(
    private readonly root: string,
    private readonly limits: UnpackLimits,
    /** The root has no set-group-ID bit: what we create in it is owned by our uid and gid. */
    private readonly rootKeepsOwner: boolean,
  ) {}

  async apply(entry: TarEntry): Promise<void> {
    this.entries++;
    try {
      if (this.entries > this.limits.maxLayerEntries) throw limitExceeded("maxLayerEntries", this.limits.maxLayerEntries);
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
      const { parts: dir } = await resolveParent(this.root, parts, h.name, true, this.known);
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
    const parent = await resolveParent(this.root, parts, h.name, true, this.known);
    const rel = [...parent.parts, base].join("/");
    const abs = path.join(parent.abs, base);
    this.specials.delete(rel);

    // tar-stream reports typeflags it does not know as null.
    switch (h.type as tar.Header["type"] | null) {
      case "directory": {
        const st = this.known.has(rel) ? undefined : await lstatOrUndefined(abs);
        if (!this.known.has(rel) && !st?.isDirectory()) {
          if (st) await this.replace(rel, abs);
          await fs.mkdir(abs, { mode: 0o700 });
        }
        this.known.add(rel);
        this.dirMeta.set(rel, meta);
        break;
      }
      case "file":
      case "contiguous-file":
        // The header says how long the file is: refuse before a byte of it is written.
        if ((h.size ?? 0) > this.limits.maxFileBytes) throw limitExceeded("maxFileBytes", this.limits.maxFileBytes, `${JSON.stringify(h.name)} has ${h.size} bytes`);
        await writeFile(abs, data, meta, () => this.replace(rel, abs), this.chownNeeded(meta));
        break;
      case "symlink":
        await this.fresh(rel, abs, () => fs.symlink(h.linkname ?? "", abs));
        if (this.chownNeeded(meta)) await fs.lchown(abs, meta.uid, meta.gid);
        await fs.lutimes(abs, meta.mtime, meta.mtime);
        break;
      case "link": {
        const targetParts = cleanEntryPath(h.linkname ?? "");
        if (targetParts.length === 0) throw new ImageError("UnsafeLayer", `hardlink ${JSON.stringify(h.name)} has an empty target`);
        const tParent = await resolveParent(this.root, targetParts, h.linkname ?? "", false, this.known);
        const target = path.join(tParent.abs, targetParts[targetParts.length - 1]);
        const tst = await lstatOrUndefined(target);
        if (!tst) throw new ImageError("BadLayer", `hardlink ${JSON.stringify(h.name)} points to ${JSON.stringify(h.linkname)}, which is not in this layer`);
        if (tst.isDirectory()) throw new ImageError("UnsafeLayer", `hardlink ${JSON.stringify(h.name)} points to a directory`);
        if (target === abs) break;
        await this.fresh(rel, abs, () => fs.link(target, abs));
        break;
      }
      case "character-device":
        if (h.devmajor === 0 && h.devminor === 0) {
          await this.replace(rel, abs);
          this.specials.set(rel, { kind: "whiteout" });
          break;
        }
        throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(h.name)} is a character device (${h.devmajor}:${h.devminor}); device nodes are refused`);
      case "block-device":
        throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(h.name)} is a block device (${h.devmajor}:${h.devminor}); device nodes are refused`);
      case "fifo":
        await this.replace(rel, abs);
        this.specials.set(rel, { kind: "fifo", meta });
        break;
      default:
        throw new ImageError("Unsupported", `entry ${JSON.stringify(h.name)} has an unknown tar type, which layers may not contain`);
    }
    if (h.type !== "link") this.addPaxXattrs(rel, h);
  }

  /** Removes whatever is at `abs` (a symlink is removed, never followed). */
  private async replace(rel: string, abs: string): Promise<void> {
    this.known.forget(rel);
    await fs.rm(abs, { recursive: true, force: true });
  }

  /** Runs `create` (which fails with EEXIST if anything is at `abs`); if something was there, removes it and runs it again. */
  private async fresh(rel: string, abs: string, create: () => Promise<void>): Promise<void> {
    try {
      await create();
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
      await this.replace(rel, abs);
      await create();
    }
  }

  /**
   * Whether an entry created by this process needs a chown to get `meta`'s owner: not when it
   * already has it (files we create are ours, and the layer root has no set-group-ID bit that
   * would hand them its group). Saves a call per entry in layers owned by root.
   */
  private chownNeeded(meta: Meta): boolean {
    return asRoot && !(meta.uid === process.geteuid?.() && meta.gid === process.getegid?.() && this.rootKeepsOwner);
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

/** Writes a new file; if something is at `abs`, `replace` removes it first (then it is opened again). */
async function writeFile(abs: string, data: AsyncIterable<unknown>, meta: Meta, replace: () => Promise<void>, chown: boolean): Promise<void> {
  const open = () => fs.open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let fh;
  try {
    fh = await open();
  } catch (err) {
    if ((err as { code?: string }).code !== "EEXIST") throw err;
    await replace();
    fh = await open();
  }
  try {
    for await (const chunk of data) await fh.write(chunk as Buffer);
    if (chown) await fh.chown(meta.uid, meta.gid); // before chmod: chown clears set-id bits
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
