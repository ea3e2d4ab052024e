// Which revision the compactor compacts to at each tick. Pure: compactor.ts does the etcd calls
// and feeds their results in.
//
// As kube-apiserver does, one interval of history is kept: each tick records the current
// revision and compacts to the one recorded at the previous tick. The record is the key
// COMPACTION_KEY itself, written once per tick in a compare-and-swap on its version:
//   - its mod_revision is the revision recorded at that tick (the next compaction point);
//   - its version counts the ticks of every compactor that ever ran, so a compactor that sees
//     another version than the one it last wrote knows someone else ticked in between.
// A tick: txn(version(key) == expected ⇒ put(key)).
//   - It succeeds: compact to the previous record's revision, and remember the new one.
//   - It fails: another compactor ticked (a previous leader still finishing, say). Adopt its
//     record and compact nothing this time, so two compactors never keep less than one interval.
// A new leader reads the key when its term starts. That record was written before the term, so
// at the first tick (one interval later) it is at least one interval old: the new leader
// compacts at once, and a failover does not let history grow to several intervals.

export const COMPACTION_KEY = "/gantry/compaction";

/** What the key holds. Version 0: no key yet (a new cluster). */
export interface CompactionRecord {
  version: number;
  /** mod_revision of the key: the revision recorded at the tick that wrote it. */
  revision: number;
}

/** The value written with each record: informational (`etcdctl get /gantry/compaction`). */
export interface CompactionNote {
  /** The revision this tick compacts to, if any. */
  compactingTo?: number;
}

export class CompactionSchedule {
  constructor(private known: CompactionRecord) {}

  /** The version this tick's compare expects. */
  get expectedVersion(): number {
    return this.known.version;
  }

  /** What this tick compacts to if its compare-and-swap succeeds. */
  get compactionTarget(): number | undefined {
    return this.known.version > 0 && this.known.revision > 0 ? this.known.revision : undefined;
  }

  note(): CompactionNote {
    const target = this.compactionTarget;
    return target === undefined ? {} : { compactingTo: target };
  }

  /** The put succeeded at `revision`: returns the revision to compact to now, if any. */
  swapped(revision: number): number | undefined {
    const target = this.compactionTarget;
    this.known = { version: this.known.version + 1, revision };
    return target;
  }

  /** The compare failed: the key now holds `current` (version 0 if it was deleted). */
  lost(current: CompactionRecord): void {
    this.known = current;
  }
}
