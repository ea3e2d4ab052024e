// Container exits as events, without asking runc: conmon writes <exit-dir>/<id> (a temp file
// renamed into place) once the container's process has ended and its output is drained, so an
// inotify watch (fs.watch) on each container's exit dir sees every exit the moment its status
// can be read. That replaces relisting every container every second to notice one ending.
//
//   containers/<id>/exit/   one watch per container: set up by track() right after create made
//                           the dir (before conmon runs, so no exit can come first), and for
//                           every container on disk when the first listener subscribes
//
// A watch that cannot be made (the inotify limit, fs.inotify.max_user_watches, reached) falls
// back to stat-polling that one exit file every 2 s (fs.watchFile). Events are hints: the
// listener reads the state itself, and may get an id twice.

import { existsSync, promises as fs, unwatchFile, watch, watchFile, type FSWatcher } from "node:fs";
import { containerPaths, containersDir, isValidId } from "./layout";

export type ExitListener = (id: string) => void;

const FALLBACK_POLL_MS = 2000;

interface Watch {
  close(): void;
}

export class ExitWatcher {
  private readonly watches = new Map<string, Watch>();
  private readonly listeners = new Set<ExitListener>();
  private scanned: Promise<void> | undefined;

  constructor(
    private readonly root: string,
    private readonly warn: (msg: string, err: unknown) => void = () => undefined,
  ) {}

  /** Calls `listener` with the id of each container that exits from now on. Resolves once every
   *  container on disk is watched; returns the unsubscribe function. */
  async subscribe(listener: ExitListener): Promise<() => void> {
    this.listeners.add(listener);
    this.scanned ??= this.scan();
    await this.scanned;
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Watches a container's exit dir (it must exist); idempotent. */
  track(id: string): void {
    if (this.watches.has(id)) return;
    const { exitDir, exitFile } = containerPaths(this.root, id);
    try {
      const w: FSWatcher = watch(exitDir, { persistent: false }, (_event, name) => {
        if (name === null || name === id) this.fire(id, exitFile);
      });
      // The dir was removed (the container with it) or the watch broke: stop watching it.
      w.on("error", () => this.untrack(id));
      this.watches.set(id, w);
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return; // removed meanwhile
      this.warn(`watching ${exitDir} failed; polling its exit file every ${FALLBACK_POLL_MS} ms instead`, err);
      const onChange = () => this.fire(id, exitFile);
      watchFile(exitFile, { persistent: false, interval: FALLBACK_POLL_MS }, onChange);
      this.watches.set(id, { close: () => unwatchFile(exitFile, onChange) });
    }
  }

  /** Stops watching a container (it is being removed). */
  untrack(id: string): void {
    this.watches.get(id)?.close();
    this.watches.delete(id);
  }

  /** Number of containers watched (tests). */
  get size(): number {
    return this.watches.size;
  }

  close(): void {
    for (const id of [...this.watches.keys()]) this.untrack(id);
    this.listeners.clear();
  }

  private async scan(): Promise<void> {
    const ids = await fs.readdir(containersDir(this.root)).catch(() => [] as string[]);
    for (const id of ids.filter(isValidId)) this.track(id);
  }

  private fire(id: string, exitFile: string): void {
    // Every rename in the dir fires (conmon's temp file too); only a present exit file is news.
    if (!existsSync(exitFile)) return;
    for (const l of this.listeners) l(id);
  }
}
