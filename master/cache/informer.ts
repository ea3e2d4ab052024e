// A local, always-current copy of one resource: list, then watch from the list's revision, and
// start over with a fresh list whenever the watch ends (etcd restart, compaction). Controllers,
// the scheduler and admission read from it instead of asking etcd on every decision.

import { EventEmitter } from "node:events";
import type { KubeObject } from "../../api/object";
import { objectKey } from "../../api/object-key";
import type { StoreReader, Watch } from "../store/types";

export interface InformerEvents<T extends KubeObject> {
  add: [T];
  update: [T, T];
  delete: [T];
  /** After every (re)list: the cache now mirrors the store at that revision. */
  synced: [string];
}

export class Informer<T extends KubeObject = KubeObject> extends EventEmitter<InformerEvents<T>> {
  private readonly items = new Map<string, T>();
  private watch?: Watch;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private firstSync?: Promise<void>;
  private listed = false;

  constructor(
    private readonly store: StoreReader,
    /** Key prefix of the resource, e.g. "/registry/namespaces/" (api/resources.ts storagePrefix). */
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    super();
  }

  /** Resolves after the first list has filled the cache. */
  start(): Promise<void> {
    this.firstSync ??= this.relist();
    return this.firstSync;
  }

  /** Whether the first list has been applied: the cache is complete from here on. */
  hasSynced(): boolean {
    return this.listed;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.watch?.close();
  }

  private async relist(): Promise<void> {
    const list = await this.store.list<T>(this.prefix);
    const fresh = new Map(list.items.map((o) => [objectKey(o), o]));
    for (const [key, old] of this.items) if (!fresh.has(key)) this.apply("DELETED", old);
    for (const obj of fresh.values()) this.apply("MODIFIED", obj);
    this.listed = true;
    this.emit("synced", list.resourceVersion);
    if (this.stopped) return;
    const watch = await this.store.watch<T>(this.prefix, { resourceVersion: list.resourceVersion }, {
      event: (e) => {
        if (e.type === "ADDED" || e.type === "MODIFIED" || e.type === "DELETED") this.apply(e.type, e.object);
      },
      error: (err) => {
        this.onError(err);
        this.scheduleRelist();
      },
    });
    // stop() ran while the watch was being opened: it had nothing to close, so close it here.
    if (this.stopped) return watch.close();
    this.watch = watch;
  }

  private scheduleRelist(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.relist().catch((err) => {
        this.onError(err);
        this.scheduleRelist();
      });
    }, 1000);
  }

  private apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (type === "DELETED") {
      if (!old) return;
      this.items.delete(key);
      this.emit("delete", obj);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.items.set(key, obj);
    if (old) this.emit("update", old, obj);
    else this.emit("add", obj);
  }
}
