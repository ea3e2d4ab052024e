// What the store is: Kubernetes storage semantics over etcd. The apiserver, controllers and
// scheduler depend on this interface only; `etcd-store.ts` is the implementation.
//
// Terms:
//  - key: "/registry/<resource>/[<namespace>/]<name>" (see api/resources.ts storageKey).
//  - resourceVersion: the etcd mod_revision of the key, as a decimal string. Objects are stored
//    without it; every object the store returns carries it in metadata.resourceVersion.
//  - revision: the store-wide etcd revision; a list's resourceVersion is the revision it read at.
//
// Failure rules: every method throws StoreError with a code (below) for the expected failures;
// anything else (etcd unreachable, corrupt JSON) is thrown as-is and surfaces as a 500.

import type { KubeObject } from "../../api/object";

export type StoreErrorCode =
  /** get/update/delete of a key that does not exist. */
  | "NotFound"
  /** create of a key that exists. */
  | "AlreadyExists"
  /** update/delete with a precondition resourceVersion that is no longer current. */
  | "Conflict"
  /** list/watch at a revision etcd has compacted away (HTTP 410). */
  | "Expired"
  /** a continue token that cannot be parsed. */
  | "InvalidContinue";

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly key: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${key}`);
    this.name = "StoreError";
  }
}

export interface ListOptions {
  /** Maximum items to return; a `continue` token is returned when more remain. 0 or undefined = all. */
  limit?: number;
  /** Opaque token from a previous list; the list continues at the same revision. */
  continue?: string;
  /** Read at this revision ("0" or undefined = latest). Older than compaction throws Expired. */
  resourceVersion?: string;
  /** Only objects for which this returns true are returned (and count toward `limit`). */
  filter?: (obj: KubeObject) => boolean;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  /** The revision the list was read at. */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /**
   * ADDED/MODIFIED: the new object. DELETED: the last state, with resourceVersion set to the
   * revision of the delete. BOOKMARK: an object of only `metadata.resourceVersion`.
   */
  object: T;
  /** MODIFIED and DELETED: the object before the change, so watchers can filter by selectors. */
  prevObject?: T;
}

export interface WatchOptions {
  /**
   * Start after this revision: events with a greater revision are delivered. "0" or undefined
   * means "from now". Older than compaction: the watch ends with an Expired StoreError.
   */
  resourceVersion?: string;
  /** Send BOOKMARK events carrying the latest revision every `bookmarkIntervalMs` while idle. */
  bookmarks?: boolean;
  bookmarkIntervalMs?: number;
}

export interface Watch {
  /** Stops the watch; no events are delivered after it resolves. */
  close(): Promise<void>;
}

export interface WatchHandlers<T extends KubeObject = KubeObject> {
  event(e: WatchEvent<T>): void;
  /** The watch ended on its own (Expired, etcd gone). Not called after close(). */
  error(err: unknown): void;
}

export interface Store {
  /** Creates the object at key; returns it with resourceVersion. Throws AlreadyExists. */
  create<T extends KubeObject>(key: string, obj: T): Promise<T>;
  /** Returns the object or throws NotFound. */
  get<T extends KubeObject>(key: string): Promise<T>;
  /**
   * Replaces the object. With `expectedResourceVersion`, a compare-and-swap: throws Conflict when
   * the stored resourceVersion differs. Throws NotFound when the key does not exist.
   */
  update<T extends KubeObject>(key: string, obj: T, expectedResourceVersion?: string): Promise<T>;
  /**
   * Read-modify-write with retries on conflict: `mutate` gets the current object and returns the
   * new one (or undefined to leave it unchanged). Throws NotFound when the key does not exist.
   */
  guaranteedUpdate<T extends KubeObject>(key: string, mutate: (current: T) => T | undefined): Promise<T>;
  /** Deletes and returns the last state; throws NotFound, or Conflict on a stale precondition. */
  delete<T extends KubeObject>(key: string, expectedResourceVersion?: string): Promise<T>;
  /** Lists keys under prefix (which ends in "/"), sorted by key. */
  list<T extends KubeObject>(prefix: string, options?: ListOptions): Promise<ListResult<T>>;
  /** Watches keys under prefix. */
  watch<T extends KubeObject>(prefix: string, options: WatchOptions, handlers: WatchHandlers<T>): Promise<Watch>;
  /** The store's current revision. */
  currentRevision(): Promise<string>;
  /** Compacts history up to revision (watches and lists before it then get Expired). */
  compact(revision: string): Promise<void>;
  close(): Promise<void>;
}

/** The reads of a Store: what informers and other read-only users get. */
export type StoreReader = Pick<Store, "get" | "list" | "watch" | "currentRevision">;
