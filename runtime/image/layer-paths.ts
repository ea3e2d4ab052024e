// Path safety for layer unpacking. Every write goes through resolveParent(), which walks the
// entry's parent directories one component at a time with lstat, so no entry can land
// outside the layer root:
//
//   - names are cleaned lexically; "/etc/x" becomes "etc/x" (as containerd does), and a name
//     whose ".." would climb above the root is refused (containerd clamps it; we refuse,
//     since no honest layer contains one);
//   - a symlink met on the way is followed *inside the root*: absolute targets are taken
//     relative to the layer root, relative ones relative to the link's directory; a target
//     that climbs above the root is refused as UnsafeLayer, and so are loops (> 40 hops);
//   - a missing parent is created as a 0755 directory (tar streams often omit them).
//
// Only this process writes into the temporary layer directory, so a check stays true until
// the write it guards, except against later entries of the same tar, which is why deferred
// work (whiteouts, xattrs, directory metadata) re-checks with pathState() first.

import { promises as fs, type Stats } from "node:fs";
import * as path from "node:path";
import { isNotFound } from "./content-store";
import { ImageError } from "./types";

const maxSymlinkHops = 40;

/** Root-relative components of a tar entry name; throws UnsafeLayer if it climbs out. */
export function cleanEntryPath(name: string): string[] {
  if (name.includes("\0")) throw new ImageError("UnsafeLayer", `entry name ${JSON.stringify(name)} contains a NUL byte`);
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(name)} climbs out of the layer root with ".."`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

export interface ResolvedParent {
  /** Real (symlink-free) root-relative components of the parent directory. */
  parts: string[];
  /** Absolute path of the parent directory. */
  abs: string;
}

/**
 * Resolves the directory that should contain `parts[parts.length - 1]`, following symlinks
 * only within `root`. With `create`, missing directories are made (0755); without, a missing
 * one is reported as BadLayer (used for hardlink targets, which must already exist).
 */
export async function resolveParent(root: string, parts: readonly string[], entry: string, create: boolean, known?: KnownDirs): Promise<ResolvedParent> {
  const queue = parts.slice(0, -1);
  const cur: string[] = [];
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (cur.length === 0) {
        throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(entry)} would be written through a symlink that points outside the layer root`);
      }
      cur.pop();
      continue;
    }
    const rel = [...cur, part].join("/");
    if (known?.has(rel)) {
      cur.push(part);
      continue;
    }
    const abs = path.join(root, rel);
    let st;
    try {
      st = await fs.lstat(abs);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!create) throw new ImageError("BadLayer", `entry ${JSON.stringify(entry)}: directory ${JSON.stringify([...cur, part].join("/"))} does not exist in this layer`);
      await fs.mkdir(abs, { mode: 0o755 });
      known?.add(rel);
      cur.push(part);
      continue;
    }
    if (st.isDirectory()) {
      known?.add(rel);
      cur.push(part);
    } else if (st.isSymbolicLink()) {
      if (++hops > maxSymlinkHops) throw new ImageError("UnsafeLayer", `entry ${JSON.stringify(entry)}: too many levels of symbolic links`);
      const target = await fs.readlink(abs);
      if (target.startsWith("/")) cur.length = 0;
      queue.unshift(...target.split("/"));
    } else {
      throw new ImageError("BadLayer", `entry ${JSON.stringify(entry)}: ${JSON.stringify([...cur, part].join("/"))} is not a directory`);
    }
  }
  return { parts: cur, abs: path.join(root, ...cur) };
}

/**
 * Root-relative paths already seen to be real directories during one unpack, so that the
 * entries of a directory do not lstat their parents again and again. Only the unpack writes
 * into its tree, so this stays true as long as it calls forget() for every path it removes or
 * replaces (that drops everything beneath it too).
 */
export class KnownDirs {
  private readonly dirs = new Set<string>();

  has(rel: string): boolean {
    return this.dirs.has(rel);
  }

  add(rel: string): void {
    this.dirs.add(rel);
  }

  forget(rel: string): void {
    if (rel === "") return this.dirs.clear();
    this.dirs.delete(rel);
    for (const d of this.dirs) if (d.startsWith(`${rel}/`)) this.dirs.delete(d);
  }
}

export type PathState = { kind: "unplain" } | { kind: "missing" } | { kind: "present"; stat: Stats };

/**
 * Where `rel` stands now: "unplain" if some parent is missing or not a real directory (a
 * later entry replaced it, perhaps with a symlink), else whether `rel` itself exists.
 * Deferred work acts only on "missing" (to create) or "present" (to modify).
 */
export async function pathState(root: string, rel: string): Promise<PathState> {
  const parts = rel === "" ? [] : rel.split("/");
  for (let i = 0; i < parts.length - 1; i++) {
    const st = await lstatOrUndefined(path.join(root, ...parts.slice(0, i + 1)));
    if (!st?.isDirectory()) return { kind: "unplain" };
  }
  const stat = await lstatOrUndefined(path.join(root, ...parts));
  return stat ? { kind: "present", stat } : { kind: "missing" };
}

export async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
