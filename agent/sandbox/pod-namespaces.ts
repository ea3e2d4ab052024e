// The pod's IPC and UTS namespaces, which all its containers join (as they join its network
// namespace): SysV IPC and the hostname are the pod's, as in Kubernetes, where the sandbox
// holds them. Pinned like the network namespaces (netns/netns.ts): `unshare --ipc=<file>
// --uts=<file> true` bind-mounts the new namespaces on files in the pod directory, so they
// outlive the process; the sandbox teardown unmounts them with everything else under that
// directory. A new pod's are pinned by the `unshare` that makes its network namespace (one
// process for all three, NetnsRegistry.ensure). Idempotent: live ones are kept (an agent restart must not give new containers other
// namespaces than the running ones have).

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readMountInfo } from "../../netns/mountinfo";
import { run } from "../../netns/run";

export interface PodNamespaces {
  ipcnsPath: string;
  utsnsPath: string;
}

/** The pod's namespace files, and the `unshare` options that would pin the ones not live yet. */
export async function podNamespacesToPin(dir: string): Promise<PodNamespaces & { missing: string[] }> {
  const ns = { ipcnsPath: path.join(dir, "ipc"), utsnsPath: path.join(dir, "uts") };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const live = new Set((await readMountInfo()).filter((m) => m.fsType === "nsfs").map((m) => m.mountPoint));
  const missing: string[] = [];
  for (const [flag, file] of [["--ipc", ns.ipcnsPath], ["--uts", ns.utsnsPath]] as const) {
    if (live.has(file)) continue;
    // An empty file left by a crash between "create file" and "mount" is reused.
    await fs.writeFile(file, "", { mode: 0o444 });
    missing.push(`${flag}=${file}`);
  }
  return { ...ns, missing };
}

/** Pins what podNamespacesToPin found missing (when the network namespace's `unshare` did not). */
export async function pinPodNamespaces(missing: readonly string[]): Promise<void> {
  if (missing.length > 0) await run(["unshare", ...missing, "true"]);
}
