// The bookkeeping behind the service feed (service-feed.ts), without I/O or timers: which
// ServiceViews are current, and which changes every session has yet to hear.
//
//   markDirty(key)  a Service or one of its EndpointSlices changed; its view is rebuilt lazily
//   full()          every current view, for a session that just connected
//   takeDelta()     the views that differ from what the last delta carried (upserts) and the
//                   Services that are gone (removes); undefined when nothing changed
//
// Deltas go to every session alike, so they are taken relative to what deltas conveyed before,
// never relative to a full set: a session that connected between two deltas already has some of
// the next delta's content, and receiving it again is harmless (an upsert replaces a whole view).

import { isDeepStrictEqual } from "node:util";
import type { ServiceView } from "../../proto/gen/agent";

export interface ServiceDelta {
  upsert: ServiceView[];
  /** "namespace/name" of Services that are gone. */
  remove: string[];
}

export class ServiceUpdates {
  private readonly current = new Map<string, ServiceView>();
  /** What the deltas so far have told every session. */
  private readonly sent = new Map<string, ServiceView>();
  /** Keys whose view must be rebuilt. */
  private readonly dirty = new Set<string>();
  /** Keys rebuilt since the last delta. */
  private readonly pending = new Set<string>();

  /** `build(key)` is the Service's current view, or undefined when it is gone. */
  constructor(private readonly build: (key: string) => ServiceView | undefined) {}

  markDirty(key: string): void {
    this.dirty.add(key);
  }

  /** Whether a delta may be due (some key changed since the last one). */
  get hasChanges(): boolean {
    return this.dirty.size > 0 || this.pending.size > 0;
  }

  /** Every current view, sorted by key. Changes not yet in a delta stay due. */
  full(): ServiceView[] {
    this.refresh();
    return [...this.current.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  takeDelta(): ServiceDelta | undefined {
    this.refresh();
    const upsert: ServiceView[] = [];
    const remove: string[] = [];
    for (const key of [...this.pending].sort()) {
      const view = this.current.get(key);
      const before = this.sent.get(key);
      if (view && !(before && isDeepStrictEqual(view, before))) {
        upsert.push(view);
        this.sent.set(key, view);
      } else if (!view && before) {
        remove.push(key);
        this.sent.delete(key);
      }
    }
    this.pending.clear();
    return upsert.length > 0 || remove.length > 0 ? { upsert, remove } : undefined;
  }

  private refresh(): void {
    for (const key of this.dirty) {
      const view = this.build(key);
      if (view) this.current.set(key, view);
      else this.current.delete(key);
      this.pending.add(key);
    }
    this.dirty.clear();
  }
}
