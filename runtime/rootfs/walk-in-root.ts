// Resolves a path under a root directory one component at a time, the way the kernel would,
// except that the caller decides what a symlink may do at the edges: an absolute target and a
// ".." at the top are handed to `rules`, which re-root them (a container's rootfs: the image
// sees its own "/") or refuse them (a volume's subPath: leaving the volume is an error).
// Nothing here follows a symlink on the host: each one is read with readlink and expanded
// in place, so the answer is a host path with no symlink left in it below `root`.

import { promises as fs } from "node:fs";
import * as path from "node:path";

/** Linux gives up after 40 links (ELOOP); so do we. */
const maxHops = 40;
/** A bound on creations, so a component that is deleted again as soon as it is made cannot
 *  keep the walk going forever. */
const maxCreated = 256;

export interface FollowedLink {
  /** The link's path relative to the root. */
  path: string;
  /** What it points to, as readlink gave it. */
  target: string;
}

export interface WalkRules {
  /** The components under the root where an absolute symlink target continues; throw to refuse. */
  absoluteTarget(link: FollowedLink): string[];
  /** A ".." at the root (`link`: the symlink it came from, if any); return to stay at the root. */
  aboveRoot(link: FollowedLink | undefined): void;
  /** `name` does not exist in the resolved directory `parent`: resolve to true once the caller
   *  has created it (the walk goes on through it), false to give up (the walk's answer is
   *  undefined). */
  missing(parent: string, name: string): Promise<boolean>;
}

export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The host path of `inner` under `root` with every symlink resolved by `rules`, or undefined
 *  when a component is missing and `rules.missing` did not create it. Throws on a symlink loop. */
export async function walkInRoot(root: string, inner: string, rules: WalkRules): Promise<string | undefined> {
  const pending = inner.split("/").filter(Boolean);
  const done: string[] = [];
  let lastLink: FollowedLink | undefined;
  let hops = 0;
  let created = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === ".") continue;
    if (part === "..") {
      if (done.length === 0) rules.aboveRoot(lastLink);
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    let st;
    try {
      st = await fs.lstat(host);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!(await rules.missing(path.join(root, ...done), part))) return undefined;
      if (++created > maxCreated) throw new Error(`${JSON.stringify(inner)} keeps disappearing while it is being created`);
      pending.unshift(part); // created: look at it again, it may have been swapped meanwhile
      continue;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > maxHops) throw new Error(`too many levels of symbolic links resolving ${JSON.stringify(inner)}`);
    lastLink = { path: [...done, part].join("/"), target: await fs.readlink(host) };
    if (lastLink.target.startsWith("/")) {
      done.length = 0;
      pending.unshift(...rules.absoluteTarget(lastLink));
    } else {
      pending.unshift(...lastLink.target.split("/").filter(Boolean));
    }
  }
  return path.join(root, ...done);
}
