// Named network namespaces kept alive by bind mounts: `<dir>/<name>` is an nsfs mount of the
// namespace, exactly what `ip netns add` makes under /run/netns, but in a directory of our own.
// A directory per agent (default /run/gantry/netns) matters because several agents in one
// test machine (each in its own "host" network namespace, DESIGN.md §8) must each list and
// clean up only their own pods' namespaces; /run/netns is shared by everyone.
//
// Made with `unshare --net=<file> true` (util-linux: the new namespace outlives the process
// because it is bind-mounted on <file>), entered with `nsenter --net=<file>`, removed by
// unmounting and unlinking. Everything is idempotent so the agent can repeat any step after a
// crash: create() of a live namespace returns it, delete() of a missing one succeeds.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readMountInfo } from "./mountinfo";
import { readDirOrEmpty } from "./read-dir";
import { run } from "./run";

export interface NetnsInfo {
  name: string;
  path: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;

export class NetnsRegistry {
  constructor(readonly dir: string) {}

  path(name: string): string {
    if (!NAME_RE.test(name)) throw new Error(`invalid network namespace name ${JSON.stringify(name)}`);
    return path.join(this.dir, name);
  }

  /** Creates the namespace (with `lo` up) unless it is already live; returns its path. */
  async create(name: string): Promise<string> {
    return (await this.ensure(name)).path;
  }

  /**
   * create(), saying whether the namespace was made just now (`lo` is up then). `alsoPin` are
   * more `unshare` namespace options (`--ipc=<file>`, `--uts=<file>`) pinned by the same process
   * when the namespace is made: one spawn for a pod's namespaces instead of one each.
   */
  async ensure(name: string, alsoPin: readonly string[] = []): Promise<{ path: string; created: boolean }> {
    const file = this.path(name);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    if (await this.isLive(file)) return { path: file, created: false };
    // An empty file left by a crash between "create file" and "mount" is reused.
    await fs.writeFile(file, "", { mode: 0o444 });
    // unshare runs its command inside the new namespaces: one process creates them and brings
    // lo up. A live one had lo brought up when it was made.
    await run(["unshare", `--net=${file}`, ...alsoPin, "ip", "link", "set", "lo", "up"]);
    return { path: file, created: true };
  }

  /** Unmounts and removes the namespace file; succeeds when it does not exist. */
  async delete(name: string): Promise<void> {
    const file = this.path(name);
    // Lazy unmount: a process still inside the namespace (a dying container) keeps it alive
    // on its own; our reference goes now.
    while (await this.isLive(file)) await run(["umount", "--lazy", file]);
    await fs.rm(file, { force: true });
  }

  /** Live namespaces in the directory (stale files are left for delete() to sweep). */
  async list(): Promise<NetnsInfo[]> {
    const names = await readDirOrEmpty(this.dir);
    const live = new Set((await readMountInfo()).filter((m) => m.fsType === "nsfs").map((m) => m.mountPoint));
    return names
      .filter((n) => NAME_RE.test(n) && live.has(path.join(this.dir, n)))
      .sort()
      .map((n) => ({ name: n, path: path.join(this.dir, n) }));
  }

  /** Every file in the directory, live or stale: what a cleanup must consider. */
  async names(): Promise<string[]> {
    return (await readDirOrEmpty(this.dir)).filter((n) => NAME_RE.test(n)).sort();
  }

  /** Runs argv inside the namespace at `nsPath`; resolves with its stdout. */
  async exec(nsPath: string, argv: readonly string[], timeoutMs?: number): Promise<string> {
    return (await run(["nsenter", `--net=${nsPath}`, "--", ...argv], { timeoutMs })).stdout;
  }

  /** Whether `file` is a live namespace (an nsfs mount), not a missing or stale file. */
  async isLive(file: string): Promise<boolean> {
    return (await readMountInfo()).some((m) => m.mountPoint === file && m.fsType === "nsfs");
  }
}
