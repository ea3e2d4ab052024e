// Logs of removed pods are kept for a while (so `kubectl logs` of a just-deleted pod's
// containers, and post-mortems, still work), then deleted. The schedule is a small JSON file in
// the data dir, so a restarted agent still deletes what an earlier one scheduled.
//
// The runtime keeps each container's log in a directory of its own named after the container
// id (runtime/runc/layout.ts: <root>/logs/<id>/container.log[.1 …]); only such a directory is
// ever deleted here.

import { promises as fs } from "node:fs";
import * as path from "node:path";

interface Entry {
  id: string;
  dir: string;
  deleteAt: number;
}

export class LogRetention {
  private entries: Entry[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, "utf8")) as Entry[];
      this.entries = Array.isArray(parsed) ? parsed.filter((e) => typeof e.dir === "string" && typeof e.id === "string") : [];
    } catch {
      this.entries = [];
    }
  }

  async schedule(id: string, logPath: string): Promise<void> {
    const dir = path.dirname(logPath);
    if (path.basename(dir) !== id) return; // not a per-container log directory: leave it to the runtime
    this.entries = this.entries.filter((e) => e.dir !== dir);
    this.entries.push({ id, dir, deleteAt: this.now() + this.retentionMs });
    await this.save();
  }

  /** Deletes what is due; returns the directories removed. */
  async sweep(): Promise<string[]> {
    const now = this.now();
    const due = this.entries.filter((e) => e.deleteAt <= now);
    if (due.length === 0) return [];
    for (const e of due) await fs.rm(e.dir, { recursive: true, force: true });
    this.entries = this.entries.filter((e) => e.deleteAt > now);
    await this.save();
    return due.map((e) => e.dir);
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify(this.entries);
    this.writing = this.writing.catch(() => undefined).then(async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      await fs.writeFile(`${this.file}.tmp`, snapshot);
      await fs.rename(`${this.file}.tmp`, this.file);
    });
    return this.writing;
  }
}
