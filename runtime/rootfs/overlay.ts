// One overlayfs per container: the image's layer directories are the read-only lowerdirs, and
// the container's writes go to upperdir (workdir is overlayfs scratch space on the same fs).
//
//   <scratch>/upper   container writes
//   <scratch>/work    overlayfs internal
//   <scratch>/l/<n>   short symlinks to the layers (only in the "short" form, see below)
//   <target>          the mount point (<bundle>/rootfs)
//
// The mount-data limit: mount(2) copies at most one page (4096 bytes here) of option text, so
// `lowerdir=/long/path/a:/long/path/b:…` stops fitting at a few dozen layers. When the
// absolute form does not fit (or a path holds a character the option parser treats specially:
// `:` `,` `\`), the mount is made with mount(8) running in <scratch> and options that name
// `l/0:l/1:…`, relative symlinks to the layers, plus `upper`/`work`: ~4 bytes per layer, so
// the kernel's own limit of 500 lowerdirs is reached first. The kernel resolves relative
// option paths against the caller's cwd and follows symlinks, as containers/storage relies on.

import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { isMountPoint, mountsUnder, readMountInfo } from "./mountinfo";

/** The kernel's OVL_MAX_STACK. */
export const maxLayers = 500;
const pageSize = 4096;
const unsafeChars = /[:,\\\s]/;

export interface OverlayPaths {
  /** Directory holding upper/, work/ and l/; on a filesystem that can be an overlay upper. */
  scratch: string;
  /** Mount point; created if missing. */
  target: string;
}

export interface OverlayMountPlan {
  form: "absolute" | "short";
  /** The -o option string. */
  options: string;
  /** Symlinks to create (name relative to scratch → layer dir), short form only. */
  links: Array<{ name: string; target: string }>;
}

/** Chooses the option string for `layers` (lowest first; overlayfs wants top-most first). */
export function planOverlayMount(layers: readonly string[], paths: OverlayPaths): OverlayMountPlan {
  if (layers.length > maxLayers) throw new Error(`image has ${layers.length} layers; overlayfs stacks at most ${maxLayers}`);
  const topFirst = [...layers].reverse();
  const upper = path.join(paths.scratch, "upper");
  const work = path.join(paths.scratch, "work");
  const absolute = `lowerdir=${topFirst.join(":")},upperdir=${upper},workdir=${work},index=off`;
  const allSafe = [...topFirst, upper, work].every((p) => !unsafeChars.test(p));
  // Strictly less than a page: the kernel's copy keeps a terminating NUL inside the page.
  if (allSafe && Buffer.byteLength(absolute) < pageSize) return { form: "absolute", options: absolute, links: [] };
  const links = topFirst.map((target, i) => ({ name: `l/${i}`, target }));
  return { form: "short", options: `lowerdir=${links.map((l) => l.name).join(":")},upperdir=upper,workdir=work,index=off`, links };
}

function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** Mounts the overlay at paths.target unless something is mounted there already. */
export async function mountOverlay(layers: readonly string[], paths: OverlayPaths): Promise<void> {
  if (await isMountPoint(paths.target)) return;
  const lowers = layers.length > 0 ? layers : [path.join(paths.scratch, "empty")];
  await Promise.all([
    fs.mkdir(path.join(paths.scratch, "upper"), { recursive: true }),
    fs.mkdir(path.join(paths.scratch, "work"), { recursive: true }),
    fs.mkdir(paths.target, { recursive: true }),
    layers.length === 0 ? fs.mkdir(lowers[0], { recursive: true }) : Promise.resolve(),
  ]);
  const plan = planOverlayMount(lowers, paths);
  if (plan.form === "short") {
    const dir = path.join(paths.scratch, "l");
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir);
    for (const link of plan.links) await fs.symlink(link.target, path.join(paths.scratch, link.name));
  }
  // -i: no mount helpers; -n: no /etc/mtab bookkeeping.
  await run("mount", ["-n", "-i", "-t", "overlay", "-o", plan.options, "overlay", paths.target], paths.scratch);
}

/** Unmounts paths.target if mounted, then deletes the scratch directory. Falls back to a lazy
 *  unmount when the mount is busy (a process still has a cwd in it) so removal never wedges;
 *  the kernel finishes the unmount when the last user goes. */
export async function unmountOverlay(paths: OverlayPaths): Promise<void> {
  // A loop, because the same target can carry stacked mounts (a crash between mount and
  // bookkeeping, retried) and each umount removes only the top one.
  for (let i = 0; i < 8 && (await isMountPoint(paths.target)); i++) {
    try {
      await run("umount", [paths.target]);
    } catch {
      await run("umount", ["-l", paths.target]);
    }
  }
  const left = mountsUnder(await readMountInfo(), paths.target).concat(mountsUnder(await readMountInfo(), paths.scratch));
  if (left.length > 0) throw new Error(`still mounted after umount: ${left.map((m) => m.mountPoint).join(", ")}`);
  await fs.rm(paths.scratch, { recursive: true, force: true });
}
