// Which of its own EndpointSlice writes the controller's cache has not seen yet (upstream's
// EndpointSliceTracker). Slices get generated names, so a sync that reads a cache still missing
// the slice it just created would create a second one; a Service whose writes are not all
// visible is therefore not synced again until they are. Pure bookkeeping on an injected clock.
//
//   wrote / deleted   after a successful write, unless the cache already shows it
//   observed / gone   from the informer's events: clears what they satisfy
//   isStale(service)  anything still outstanding (entries older than `ttlMs` are dropped, so a
//                     lost event can never wedge a Service)

interface Outstanding {
  /** The resourceVersion written (etcd revisions only grow), or the uid of a deleted slice. */
  rv?: number;
  deletedUid?: string;
  at: number;
}

export interface SliceRef {
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export class SliceWriteTracker {
  /** service key -> slice name -> what the cache has yet to show */
  private readonly outstanding = new Map<string, Map<string, Outstanding>>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 30_000,
  ) {}

  /** A create or update of `slice` succeeded; `cached` is what the cache holds now. */
  wrote(service: string, slice: SliceRef, cached: SliceRef | undefined): void {
    const rv = Number(slice.resourceVersion);
    if (cached && Number(cached.resourceVersion) >= rv) return;
    this.entries(service).set(slice.name, { rv, at: this.now() });
  }

  /** A delete of `slice` succeeded; `cached` is what the cache holds now. */
  deleted(service: string, slice: SliceRef, cached: SliceRef | undefined): void {
    if (!cached || cached.uid !== slice.uid) return;
    this.entries(service).set(slice.name, { deletedUid: slice.uid, at: this.now() });
  }

  /** The cache now holds `slice` (an add or update event). */
  observed(service: string, slice: SliceRef): void {
    const e = this.outstanding.get(service)?.get(slice.name);
    if (e?.rv !== undefined && Number(slice.resourceVersion) >= e.rv) this.clear(service, slice.name);
  }

  /** The cache no longer holds `slice` (a delete event). */
  gone(service: string, slice: SliceRef): void {
    if (this.outstanding.get(service)?.has(slice.name)) this.clear(service, slice.name);
  }

  isStale(service: string): boolean {
    const entries = this.outstanding.get(service);
    if (!entries) return false;
    const cutoff = this.now() - this.ttlMs;
    for (const [name, e] of entries) if (e.at < cutoff) entries.delete(name);
    if (entries.size === 0) this.outstanding.delete(service);
    return entries.size > 0;
  }

  /** The Service is gone: nothing of it is awaited any more. */
  forget(service: string): void {
    this.outstanding.delete(service);
  }

  private entries(service: string): Map<string, Outstanding> {
    let m = this.outstanding.get(service);
    if (!m) this.outstanding.set(service, (m = new Map()));
    return m;
  }

  private clear(service: string, name: string): void {
    const m = this.outstanding.get(service);
    m?.delete(name);
    if (m?.size === 0) this.outstanding.delete(service);
  }
}
