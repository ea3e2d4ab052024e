// Gantry's own record of every CNI attachment it made: `<dir>/<pod uid>.json` holds the network
// configuration list, the attachment parameters (container id, netns, ifname, CNI_ARGS,
// capability arguments such as portMappings) and, once ADD succeeded, its result. The spec asks a
// runtime to keep the ADD result for CHECK and DEL (§3); keeping the configuration and arguments
// too means a restarted agent DELs exactly what it ADDed (portmap removes its rules only when the
// DEL carries the same portMappings) even if the node's pod CIDR or Gantry's defaults changed.
//
// The record is written BEFORE the ADD runs (without a result) and completed after it, so an
// agent that dies in the middle still knows there may be something to DEL. Writes are atomic
// (temp file + rename); a record is removed only after its DEL succeeded.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readDirOrEmpty } from "../read-dir";
import type { Attachment, CniResult, NetworkConfigList } from "./types";

const KIND = "GantryCniAttachment";

export interface CachedAttachment {
  kind: typeof KIND;
  podUid: string;
  network: NetworkConfigList;
  attachment: Attachment;
  /** Absent while the ADD has not (yet) succeeded. */
  result?: CniResult;
  /** When the record was written (ISO time), for people reading it. */
  writtenAt: string;
}

const FILE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*\.json$/;

export class CniResultCache {
  constructor(readonly dir: string) {}

  fileFor(podUid: string): string {
    const safe = podUid.replace(/[^A-Za-z0-9_.-]/g, "_");
    if (!/^[A-Za-z0-9]/.test(safe)) throw new Error(`pod uid ${JSON.stringify(podUid)} cannot name a CNI cache file`);
    return path.join(this.dir, `${safe}.json`);
  }

  async get(podUid: string): Promise<CachedAttachment | undefined> {
    const file = this.fileFor(podUid);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<CachedAttachment>;
    if (parsed.kind !== KIND || typeof parsed.podUid !== "string" || !parsed.network || !parsed.attachment) {
      throw new Error(`${file} is not a Gantry CNI attachment record`);
    }
    return parsed as CachedAttachment;
  }

  async put(entry: Omit<CachedAttachment, "kind" | "writtenAt">): Promise<void> {
    const file = this.fileFor(entry.podUid);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const record: CachedAttachment = { kind: KIND, ...entry, writtenAt: new Date().toISOString() };
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  async delete(podUid: string): Promise<void> {
    await fs.rm(this.fileFor(podUid), { force: true });
  }

  /** Pod uids with a record (file names, so sanitised uids as written). */
  async list(): Promise<string[]> {
    return (await readDirOrEmpty(this.dir)).filter((n) => FILE_RE.test(n)).map((n) => n.slice(0, -".json".length)).sort();
  }
}
