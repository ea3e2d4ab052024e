// One store watch over one etcd watcher (the etcd3 client multiplexes all of them on a single
// gRPC stream). Tracks `lastRev`, the revision up to which every change has been delivered:
// it is where a reconnect resumes and what a bookmark reports, so neither skips nor repeats.

import type { Etcd3, IEvent, IWatchResponse, KVClient, Watcher } from "etcd3";
import type { KubeObject } from "../../api/object";
import { prefixEnd } from "./etcd-codec";
import { compactedRevision } from "./compacted-revision";
import { isCompactedError, watchExpiredMessage } from "./etcd-errors";
import { StoreError, type Watch, type WatchEvent, type WatchHandlers } from "./types";
import type { ValueDecoder } from "./value-transformer";

export interface EtcdWatchSpec {
  prefix: string;
  /** Deliver changes with a revision greater than this. */
  startAfter: number;
  /** 0 = no bookmarks. */
  bookmarkIntervalMs: number;
  /** Stored value → object (decryption included). */
  decode: ValueDecoder;
}

/** close() does not wait longer than this for etcd to confirm a cancel (etcd may be down). */
const CANCEL_WAIT_MS = 2000;

export class EtcdWatch<T extends KubeObject> implements Watch {
  private closed = false;
  private lastRev: number;
  private deliveredSinceTick = false;
  private readonly timer?: NodeJS.Timeout;
  private readonly watcher: Watcher;

  constructor(
    private readonly client: Etcd3,
    private readonly kv: KVClient,
    private readonly spec: EtcdWatchSpec,
    private readonly handlers: WatchHandlers<T>,
    private readonly onClosed: (w: Watch) => void,
  ) {
    this.lastRev = spec.startAfter;
    // watcher() registers without waiting for etcd, so every listener is attached before the
    // first response can arrive; the start revision makes the registration moment irrelevant.
    this.watcher = client
      .watch()
      .prefix(spec.prefix)
      .withPreviousKV()
      .startRevision(String(spec.startAfter + 1))
      .watcher();
    this.watcher.on("data", (res) => this.onData(res));
    // The client resumes from the last header revision it saw, which can run ahead of the
    // events it delivered; resume from what we delivered instead.
    this.watcher.on("disconnected", () => (this.watcher.request.start_revision = String(this.lastRev + 1)));
    this.watcher.on("error", (err) => void this.onCanceled(err));
    if (spec.bookmarkIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), spec.bookmarkIntervalMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.shutDown();
    await this.cancelWatcher();
  }

  private onData(res: IWatchResponse): void {
    if (this.closed) return;
    try {
      // An empty response is etcd's progress notification: nothing for us up to its revision.
      if (res.events.length === 0) {
        this.lastRev = Math.max(this.lastRev, Number(res.header.revision));
        return;
      }
      for (const ev of res.events) {
        if (this.closed) return;
        const event = this.toWatchEvent(ev);
        this.deliveredSinceTick = true;
        this.handlers.event(event);
        this.lastRev = Math.max(this.lastRev, Number(ev.kv.mod_revision));
      }
    } catch (err) {
      // A corrupt value, a delete whose previous state is compacted, or a throwing handler:
      // the stream can no longer be trusted to be complete.
      this.fail(err);
      void this.cancelWatcher();
    }
  }

  private toWatchEvent(ev: IEvent): WatchEvent<T> {
    const key = ev.kv.key.toString("utf8");
    const prev = ev.prev_kv ? this.spec.decode<T>(key, ev.prev_kv.value, ev.prev_kv.mod_revision) : undefined;
    if (ev.type === "Put") {
      const object = this.spec.decode<T>(key, ev.kv.value, ev.kv.mod_revision);
      if (ev.kv.create_revision === ev.kv.mod_revision) return { type: "ADDED", object };
      return prev ? { type: "MODIFIED", object, prevObject: prev } : { type: "MODIFIED", object };
    }
    if (!ev.prev_kv || !prev) throw new StoreError("Expired", this.spec.prefix, watchExpiredMessage(this.lastRev));
    const object = this.spec.decode<T>(key, ev.prev_kv.value, ev.kv.mod_revision);
    return { type: "DELETED", object, prevObject: prev };
  }

  private tick(): void {
    if (this.closed) return;
    if (!this.deliveredSinceTick) {
      const object = { metadata: { resourceVersion: String(this.lastRev) } } as T;
      try {
        this.handlers.event({ type: "BOOKMARK", object });
      } catch (err) {
        this.fail(err);
        void this.cancelWatcher();
        return;
      }
    }
    this.deliveredSinceTick = false;
  }

  /** etcd cancelled the watcher (the client has already detached it). */
  private async onCanceled(err: unknown): Promise<void> {
    if (this.closed) return;
    // etcd 3.4 cancels compacted watches without a reason; a read at the resume revision tells.
    const resumeAt = this.lastRev + 1;
    const compacted = await this.kv
      .range({ key: Buffer.from(this.spec.prefix), range_end: prefixEnd(this.spec.prefix), revision: resumeAt, limit: 1, keys_only: true })
      .then(
        () => false,
        (readErr: unknown) => isCompactedError(readErr),
      );
    if (!compacted) return this.fail(err);
    const compactRev = await compactedRevision(this.client, resumeAt);
    const oldest = compactRev === undefined ? undefined : compactRev - 1;
    this.fail(new StoreError("Expired", this.spec.prefix, watchExpiredMessage(this.lastRev, oldest)));
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.shutDown();
    this.handlers.error(err);
  }

  private shutDown(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.onClosed(this);
  }

  private async cancelWatcher(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS)));
    try {
      await Promise.race([this.watcher.cancel().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
