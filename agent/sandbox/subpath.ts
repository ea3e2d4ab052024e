// A volumeMount's subPath, made safe before each container create (the kubelet's approach).
// The containers own the volume's content, so a subPath may run through symlinks they made:
// `ln -s /etc /data/escape` plus `subPath: escape` must not give a container the host's /etc.
//
//   1. resolve the subPath inside the volume's real path, one component at a time (walkInRoot):
//      a symlink that stays inside is followed, one that leaves is an error; missing
//      directories are created, each inside a directory proven to lie in the volume;
//   2. open the result without following it (O_PATH|O_NOFOLLOW) and prove from the open fd
//      (readlink /proc/self/fd/N) that the inode lies inside the volume: a container swapping a
//      component for a symlink after step 1 is caught here;
//   3. bind-mount /proc/<agent pid>/fd/N onto the staging path (PodPaths.subPathStaging): the
//      kernel follows the fd to the pinned inode, so no later swap can redirect the mount;
//   4. runc binds the staging path into the container; once the container exists it holds a
//      mount of its own, so the staging mount is released right after the create.
//
// Every start (restarts included) goes through 1-3 again: the volume may have changed since.

import { constants, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { run } from "../../netns/run";
import { isNotFound, walkInRoot, type FollowedLink } from "../../runtime/rootfs/walk-in-root";
import { ConfigError } from "../pod-spec/errors";
import type { SubPathMount } from "../pod-spec/volumes";
import { unmountAllUnder } from "./mounts";

/** Linux's O_PATH and O_CLOEXEC (asm-generic); Node exports neither (libuv adds O_CLOEXEC
 *  itself; it is here to say so). An O_PATH fd can be stat'ed and followed through /proc but
 *  not read, so opening a FIFO cannot hang the agent. */
const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const OPEN_NOFOLLOW = O_PATH | constants.O_NOFOLLOW | O_CLOEXEC;

const q = JSON.stringify;

/** Whether host path `p` is `base` or below it. */
export function isWithin(base: string, p: string): boolean {
  const rel = path.relative(base, p);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !path.isAbsolute(rel));
}

/** The components of absolute `target` below `base`, or undefined when it is not below it.
 *  Compared component-wise and not normalised: a ".." in the rest is resolved by the walk. */
function below(base: string, target: string): string[] | undefined {
  const b = base.split("/").filter((x) => x && x !== ".");
  const t = target.split("/").filter((x) => x && x !== ".");
  return b.every((x, i) => t[i] === x) ? t.slice(b.length) : undefined;
}

/** What went wrong, without the host paths a Node system error carries. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code && e.syscall ? `${e.syscall}: ${e.code}` : e.message;
}

/** Opens `hostPath` without following a final symlink and proves from the open fd that the
 *  inode lies inside `base`. `what` names it in errors (a volume-relative path). */
export async function openInside(base: string, hostPath: string, what: string, kind: "any" | "directory" = "any"): Promise<FileHandle> {
  const fh = await fs.open(hostPath, OPEN_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (st.isSymbolicLink()) throw new Error(`${q(what)} became a symbolic link while it was being checked`);
    if (kind === "directory" && !st.isDirectory()) throw new Error(`${q(what)} is not a directory`);
    const real = await fs.readlink(`/proc/self/fd/${fh.fd}`);
    if (!isWithin(base, real)) throw new Error(`${q(what)} leads out of the volume (it changed while it was being checked)`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** mkdir `name` in `parent` (a resolved host path inside `base`), through an fd proven to be
 *  inside the volume: the mkdirat() Node lacks. The mode is set after, as umask cut it. */
async function makeDirInside(base: string, parent: string, name: string, mode: number): Promise<void> {
  const dir = await openInside(base, parent, path.relative(base, parent) || ".", "directory");
  try {
    const inDir = `/proc/self/fd/${dir.fd}/${name}`;
    await fs.mkdir(inDir, { mode }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err; // made meanwhile: the walk looks at it again
    });
    const made = await fs.open(inDir, OPEN_NOFOLLOW);
    try {
      if ((await made.stat()).isDirectory()) await fs.chmod(`/proc/self/fd/${made.fd}`, mode);
    } finally {
      await made.close();
    }
  } finally {
    await dir.close();
  }
}

/** `subPath` resolved inside the volume at `volumePath`, creating missing directories; throws
 *  when a symlink leads out of the volume. Returns the volume's real path and the result. */
export async function resolveSubPath(volumePath: string, subPath: string): Promise<{ base: string; hostPath: string }> {
  const base = await fs.realpath(volumePath);
  const mode = (await fs.stat(base)).mode & 0o7777; // new directories get the volume's mode, as in the kubelet
  const outside = (link: FollowedLink) => new Error(`symlink ${q(link.path)} points to ${q(link.target)}, outside the volume`);
  const hostPath = await walkInRoot(base, subPath, {
    absoluteTarget: (link) => {
      const rest = below(base, link.target) ?? below(path.resolve(volumePath), link.target);
      if (!rest) throw outside(link);
      return rest;
    },
    aboveRoot: (link) => {
      throw link ? outside(link) : new Error("it climbs above the volume");
    },
    missing: async (parent, name) => {
      await makeDirInside(base, parent, name, mode);
      return true;
    },
  });
  if (hostPath === undefined) throw new Error("it could not be created"); // missing() always creates
  return { base, hostPath };
}

/** Removes a staging file or directory; never through a mount (rmdir and unlink refuse one). */
async function removeStagingNode(staging: string): Promise<void> {
  const st = await fs.lstat(staging).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (st?.isDirectory()) await fs.rmdir(staging);
  else if (st) await fs.unlink(staging);
}

/** A fresh staging node of the right kind, with nothing mounted on it. */
async function prepareStaging(staging: string, directory: boolean): Promise<void> {
  await unmountAllUnder(staging); // left by a create that died half way
  await removeStagingNode(staging);
  await fs.mkdir(path.dirname(staging), { recursive: true, mode: 0o750 });
  if (directory) await fs.mkdir(staging, { mode: 0o750 });
  else await fs.writeFile(staging, "", { mode: 0o640, flag: "wx" });
}

/** Resolves, checks and bind-mounts one subPath onto its staging path. Failures are the
 *  container's CreateContainerConfigError, naming the volumeMount, container and subPath. */
export async function stageSubPath(m: SubPathMount): Promise<void> {
  const failed = (detail: string) =>
    new ConfigError("CreateContainerConfigError", `failed to prepare subPath for volumeMount ${q(m.volumeMount)} of container ${q(m.container)}: subPath ${q(m.subPath)} of volume ${q(m.volumeMount)}: ${detail}`);
  let fh: FileHandle;
  try {
    const { base, hostPath } = await resolveSubPath(m.volumePath, m.subPath);
    fh = await openInside(base, hostPath, m.subPath);
  } catch (err) {
    throw failed(describe(err));
  }
  try {
    await prepareStaging(m.staging, (await fh.stat()).isDirectory());
    // --no-canonicalize: mount(8) would otherwise resolve the /proc link to a path string and
    // hand that to mount(2), reopening the window the fd closes.
    await run(["mount", "--no-canonicalize", "--rbind", `/proc/${process.pid}/fd/${fh.fd}`, m.staging]);
  } catch (err) {
    await releaseSubPath(m).catch(() => undefined);
    throw failed(`bind-mounting it for the container failed: ${describe(err)}`);
  } finally {
    await fh.close();
  }
}

/** Unmounts and removes a staging path (nothing when there is none). */
export async function releaseSubPath(m: SubPathMount): Promise<void> {
  await unmountAllUnder(m.staging);
  await removeStagingNode(m.staging);
}

/** Stages every subPath of a container, or none: on a failure the ones staged are released. */
export async function stageSubPaths(list: readonly SubPathMount[]): Promise<void> {
  for (const [i, m] of list.entries()) {
    try {
      await stageSubPath(m);
    } catch (err) {
      for (const done of list.slice(0, i)) await releaseSubPath(done).catch(() => undefined);
      throw err;
    }
  }
}

/** Releases every staged subPath of a container; tries them all, then throws the first error. */
export async function releaseSubPaths(list: readonly SubPathMount[]): Promise<void> {
  let first: unknown;
  for (const m of list) await releaseSubPath(m).catch((err: unknown) => (first ??= err));
  if (first !== undefined) throw first;
}
