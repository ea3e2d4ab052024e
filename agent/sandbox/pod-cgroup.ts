// The pod-level cgroup: containers get `<cgroupParent>/pod<uid>` as their parent (cgroupfs
// paths), so a pod's containers are grouped the way the kubelet groups them. runc creates the
// directories; the agent removes the empty pod-level ones when the pod goes.

import { promises as fs } from "node:fs";
import * as path from "node:path";

export const CGROUP_ROOT = "/sys/fs/cgroup";

export function podCgroupParent(cgroupParent: string, podUid: string): string {
  const base = cgroupParent.startsWith("/") ? cgroupParent : `/${cgroupParent}`;
  return path.posix.join(base, `pod${podUid.replace(/[^A-Za-z0-9_-]/g, "_")}`);
}

/** Removes the pod's cgroup directories in every hierarchy (v1 controllers and v2). */
export async function removePodCgroup(podCgroup: string, root = CGROUP_ROOT): Promise<void> {
  const hierarchies = [root];
  try {
    for (const e of await fs.readdir(root, { withFileTypes: true })) if (e.isDirectory()) hierarchies.push(path.join(root, e.name));
  } catch {
    return;
  }
  for (const h of hierarchies) {
    const dir = path.join(h, podCgroup);
    // cgroup directories are removed with rmdir only; children (container cgroups) first.
    await removeTree(dir);
  }
}

async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  await fs.rmdir(dir).catch(() => undefined);
}
