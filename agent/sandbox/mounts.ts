// tmpfs mounts for secret, projected and Memory emptyDir volumes, and their removal.
// Idempotent, so the sandbox step can be repeated after an agent restart.

import { promises as fs } from "node:fs";
import { mountsUnder, readMountInfo } from "../../netns/mountinfo";
import { run } from "../../netns/run";

export async function isMountPoint(p: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === p);
}

export async function ensureTmpfs(dir: string, options: { mode: number; sizeBytes?: number }): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  if (await isMountPoint(dir)) return;
  const opts = [`mode=${options.mode.toString(8).padStart(4, "0")}`, "nosuid", "nodev"];
  if (options.sizeBytes !== undefined) opts.push(`size=${options.sizeBytes}`);
  await run(["mount", "-t", "tmpfs", "-o", opts.join(","), "tmpfs", dir]);
}

/** Unmounts everything at or below `dir`, deepest first (lazily: a dying container may hold one). */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(await readMountInfo(), dir);
    if (mounts.length === 0) return;
    for (const m of mounts) await run(["umount", "--lazy", m.mountPoint]).catch(() => undefined);
  }
  const left = mountsUnder(await readMountInfo(), dir);
  if (left.length > 0) throw new Error(`could not unmount ${left.map((m) => m.mountPoint).join(", ")}`);
}
