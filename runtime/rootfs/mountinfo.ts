// /proc/self/mountinfo, parsed just enough to answer "is this path a mount point?" and
// "what is mounted below this directory?" — the checks that make mounting idempotent and keep
// a recursive delete from walking into a mounted filesystem.

import { promises as fs } from "node:fs";

export interface MountInfoEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
    const f = line.split(" ");
    const dash = f.indexOf("-", 6);
    if (dash < 0 || f.length < dash + 3) continue;
    out.push({ mountPoint: unescapeOctal(f[4]), fsType: f[dash + 1], source: unescapeOctal(f[dash + 2]), superOptions: f[dash + 3] ?? "" });
  }
  return out;
}

export async function readMountInfo(): Promise<MountInfoEntry[]> {
  return parseMountInfo(await fs.readFile("/proc/self/mountinfo", "utf8"));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMountInfo()).some((m) => m.mountPoint === path);
}

/** Mount points at `dir` or below it, deepest first (the order to unmount them in). */
export function mountsUnder(entries: readonly MountInfoEntry[], dir: string): MountInfoEntry[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return entries
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
