// Expectations (kube-controller-manager's ControllerExpectations): a controller that has just
// created or deleted pods must not act on its informer cache again until the cache has seen
// those writes, or it would create the same pods twice. Before issuing writes, the controller
// records what it expects; informer events mark them observed; a sync acts only when its key's
// expectations are satisfied (all observed) or have expired (a lost event must not wedge it).
//
// Creations are counted (their names are unknown until the apiserver generates them); deletions
// are tracked by pod key, so a duplicate or unrelated delete event cannot be miscounted.

export class Expectations {
  private readonly records = new Map<string, { adds: number; deletes: Set<string>; at: number }>();

  constructor(
    /** Milliseconds now; the controller's injected clock. */
    private readonly now: () => number,
    /** Expectations older than this are considered satisfied. Default 5 minutes (as upstream). */
    private readonly ttlMs = 5 * 60_000,
  ) {}

  /** Replaces `key`'s expectations: `adds` creations and the deletion of `deleteKeys`. */
  expect(key: string, adds: number, deleteKeys: readonly string[] = []): void {
    this.records.set(key, { adds, deletes: new Set(deleteKeys), at: this.now() });
  }

  /** One expected creation was seen (or will never happen because the create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds--;
  }

  /** The deletion of `objectKey` was seen (or failed). */
  deletionObserved(key: string, objectKey: string): void {
    this.records.get(key)?.deletes.delete(objectKey);
  }

  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.now() - r.at > this.ttlMs;
  }

  /** Forget `key` (its object is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }
}
