// /proc/self/mountinfo, parsed: which paths are mount points and of what filesystem. The netns
// registry uses it to tell a live namespace file (an nsfs bind mount) from a stale empty file;
// the agent uses it to find the tmpfs and bind mounts under a pod directory before removing it.

import { promises as fs } from "node:fs";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Undoes mountinfo's octal escapes (\040 for space, \011 tab, \012 newline, \134 backslash). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 6 || fields.length < dash + 3) continue;
    entries.push({ mountPoint: unescape(fields[4]), fsType: fields[dash + 1], source: unescape(fields[dash + 2]) });
  }
  return entries;
}

export async function readMountInfo(): Promise<MountEntry[]> {
  return parseMountInfo(await fs.readFile("/proc/self/mountinfo", "utf8"));
}

/** Mounts at `dir` or below it, deepest first (the order to unmount them in). */
export function mountsUnder(entries: readonly MountEntry[], dir: string): MountEntry[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return entries
    .filter((e) => e.mountPoint === dir || e.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
