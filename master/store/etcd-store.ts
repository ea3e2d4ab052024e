// Store over etcd (see types.ts for the contract). Every write is an etcd transaction whose
// compare is the precondition, so the result is decided by etcd, never by a read-then-write
// here; the failure branch reads the key back so the caller learns why in the same round trip.
// Creates that arrive together share one transaction, a compare per key (create-batch.ts).

import { ExponentialBackoff, handleWhen, noop, retry } from "cockatiel";
import { Etcd3, isRecoverableError, type ICompare, type IKeyValue, type IRequestOp, type ITxnResponse, type KVClient } from "etcd3";
import type { KubeObject } from "../../api/object";
import { CreateBatcher } from "./create-batch";
import { decodeObject, encodeObjectJson, parseRevision } from "./etcd-codec";
import { isCompactedError, readError } from "./etcd-errors";
import { listPrefix } from "./etcd-list";
import { etcd3Credentials, type EtcdClientTls } from "./etcd-tls";
import { EtcdWatch } from "./etcd-watch";
import { StoreError, type ListOptions, type ListResult, type Store, type Watch, type WatchHandlers, type WatchOptions } from "./types";
import { decoderFor, IDENTITY_TRANSFORMER, type ValueDecoder, type ValueTransformer } from "./value-transformer";

/** Told the duration of every etcd call the store makes (master/metrics/etcd-metrics.ts). */
export interface EtcdRequestObserver {
  observe(operation: "create" | "get" | "update" | "delete" | "list", key: string, seconds: number): void;
}

export interface EtcdStoreOptions {
  /** Client URLs of the members, e.g. ["https://10.0.0.1:2379"]. */
  endpoints: string[];
  /** The client certificate for members that serve TLS (a master's always do; etcd-tls.ts). */
  tls?: EtcdClientTls;
  /** Deadline of each unary etcd call. Default 30000. */
  requestTimeoutMs?: number;
  /** Default attempts per call on a transient (unavailable) error. Default 3. */
  maxAttempts?: number;
  /** Bookmark interval when WatchOptions.bookmarkIntervalMs is unset. Default 60000. */
  defaultBookmarkIntervalMs?: number;
  metrics?: EtcdRequestObserver;
  /** Encryption at rest of some values (master/store/encryption). Default: values stored as they are. */
  transformer?: ValueTransformer;
}

/** guaranteedUpdate gives up after this many lost races; something is wrong by then. */
const MAX_UPDATE_ATTEMPTS = 100;

export class EtcdStore implements Store {
  readonly client: Etcd3;
  private readonly kv: KVClient;
  private readonly watches = new Set<Watch>();
  private readonly transformer: ValueTransformer;
  private readonly decode: ValueDecoder;
  /** Creates go to etcd in shared transactions (create-batch.ts). */
  private readonly creates: CreateBatcher;

  constructor(private readonly options: EtcdStoreOptions) {
    const timeout = options.requestTimeoutMs ?? 30_000;
    this.transformer = options.transformer ?? IDENTITY_TRANSFORMER;
    this.decode = decoderFor(this.transformer);
    this.client = new Etcd3({
      hosts: options.endpoints,
      credentials: etcd3Credentials(options.tls),
      // One local member per master: a circuit breaker would only delay noticing it is back.
      faultHandling: {
        host: () => noop,
        global: retry(handleWhen(isRecoverableError), {
          maxAttempts: options.maxAttempts ?? 3,
          backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }),
        }),
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
      },
      grpcOptions: {
        // Pages are bounded by count, not bytes; large objects must not trip gRPC's 4 MiB default.
        "grpc.max_receive_message_length": -1,
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2000,
      },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
    this.kv = this.client.kv;
    this.creates = new CreateBatcher(this.kv);
  }

  async create<T extends KubeObject>(key: string, obj: T): Promise<T> {
    const json = encodeObjectJson(obj);
    const revision = await this.timed("create", key, () => this.creates.create(Buffer.from(key), this.transformer.toStorage(key, Buffer.from(json))));
    if (revision === undefined) throw new StoreError("AlreadyExists", key);
    return decodeObject<T>(key, json, revision);
  }

  async get<T extends KubeObject>(key: string): Promise<T> {
    const res = await this.timed("get", key, () => this.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    if (!kv) throw new StoreError("NotFound", key);
    return this.decode<T>(key, kv.value, kv.mod_revision);
  }

  async update<T extends KubeObject>(key: string, obj: T, expectedResourceVersion?: string): Promise<T> {
    const outcome = await this.put<T>(key, obj, expectedResourceVersion);
    if ("object" in outcome) return outcome.object;
    throw outcome.error;
  }

  async guaranteedUpdate<T extends KubeObject>(key: string, mutate: (current: T) => T | undefined): Promise<T> {
    let current = await this.get<T>(key);
    for (let attempt = 1; ; attempt++) {
      const rv = current.metadata.resourceVersion!;
      const next = mutate(current);
      if (next === undefined) return current;
      const outcome = await this.put<T>(key, next, rv);
      if ("object" in outcome) return outcome.object;
      if (outcome.error.code !== "Conflict" || !outcome.current || attempt >= MAX_UPDATE_ATTEMPTS) throw outcome.error;
      // Lost a race: the failed transaction already read the winner's state.
      current = outcome.current;
    }
  }

  async delete<T extends KubeObject>(key: string, expectedResourceVersion?: string): Promise<T> {
    const k = Buffer.from(key);
    const res = await this.timed("delete", key, () => this.conditional(key, expectedResourceVersion, { request_delete_range: { key: k, prev_kv: true } }));
    if (!res.succeeded) throw this.preconditionFailure(key, res).error;
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) throw new StoreError("NotFound", key);
    // The last state, stamped with the revision of the delete (what watchers see too).
    return this.decode<T>(key, prev.value, res.header.revision);
  }

  list<T extends KubeObject>(prefix: string, options?: ListOptions): Promise<ListResult<T>> {
    return this.timed("list", prefix, () => listPrefix<T>(this.kv, prefix, options, this.decode));
  }

  async watch<T extends KubeObject>(prefix: string, options: WatchOptions, handlers: WatchHandlers<T>): Promise<Watch> {
    const startAfter = await this.watchStart(prefix, options.resourceVersion);
    const interval = options.bookmarks ? (options.bookmarkIntervalMs ?? this.options.defaultBookmarkIntervalMs ?? 60_000) : 0;
    const watch = new EtcdWatch<T>(this.client, this.kv, { prefix, startAfter, bookmarkIntervalMs: interval, decode: this.decode }, handlers, (w) => this.watches.delete(w));
    this.watches.add(watch);
    return watch;
  }

  async currentRevision(): Promise<string> {
    const res = await this.kv.range({ key: Buffer.from("\u0000"), keys_only: true, limit: 1 });
    return res.header.revision;
  }

  async compact(revision: string): Promise<void> {
    const rev = parseRevision(revision);
    if (rev === undefined || rev < 1) throw new Error(`cannot compact at "${revision}": not a store revision`);
    try {
      // physical: return only once the old revisions are really gone, so callers can rely on it.
      await this.kv.compact({ revision: rev, physical: true });
    } catch (err) {
      // Already compacted at or past `rev`: the goal is met.
      if (isCompactedError(err)) return;
      throw readError(err, "compaction", rev);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.close()));
    this.client.close();
  }

  /** "0"/undefined: from now. Otherwise the given revision, refused early when already compacted. */
  private async watchStart(prefix: string, resourceVersion: string | undefined): Promise<number> {
    if (resourceVersion === undefined || resourceVersion === "0" || resourceVersion === "") return Number(await this.currentRevision());
    const rev = parseRevision(resourceVersion);
    if (rev === undefined) throw new StoreError("Expired", prefix, `resourceVersion "${resourceVersion}" for ${prefix} is not a store revision; list again for a fresh one`);
    return rev;
  }

  /** A put that must find the key (at `expectedResourceVersion`, if given). */
  private async put<T extends KubeObject>(
    key: string,
    obj: T,
    expectedResourceVersion: string | undefined,
  ): Promise<{ object: T } | { error: StoreError; current?: T }> {
    const json = encodeObjectJson(obj);
    const res = await this.timed("update", key, () => this.conditional(key, expectedResourceVersion, { request_put: { key: Buffer.from(key), value: this.transformer.toStorage(key, Buffer.from(json)) } }));
    if (!res.succeeded) return this.preconditionFailure<T>(key, res);
    return { object: decodeObject<T>(key, json, res.header.revision) };
  }

  /** Runs an etcd call, telling the metrics observer how long it took (failures included). */
  private timed<T>(operation: Parameters<EtcdRequestObserver["observe"]>[0], key: string, call: () => Promise<T>): Promise<T> {
    const observer = this.options.metrics;
    if (!observer) return call();
    const started = performance.now();
    return call().finally(() => observer.observe(operation, key, (performance.now() - started) / 1000));
  }

  /** Runs `op` if the key exists and, with a resourceVersion, is still at it; otherwise reads the key. */
  private conditional(key: string, expectedResourceVersion: string | undefined, op: IRequestOp): Promise<ITxnResponse> {
    const k = Buffer.from(key);
    const compare: ICompare = expectedResourceVersion
      ? // A precondition that is no revision (e.g. "abc") can never match: compare against -1.
        { key: k, target: "Mod", result: "Equal", mod_revision: parseRevision(expectedResourceVersion) ?? -1 }
      : { key: k, target: "Version", result: "Greater", version: 0 };
    return this.kv.txn({ compare: [compare], success: [op], failure: [{ request_range: { key: k } }] });
  }

  /** Why a conditional transaction failed: the key is gone, or it moved on. */
  private preconditionFailure<T extends KubeObject>(key: string, res: ITxnResponse): { error: StoreError; current?: T } {
    const kv: IKeyValue | undefined = res.responses[0]?.response_range?.kvs?.[0];
    if (!kv) return { error: new StoreError("NotFound", key) };
    const current = this.decode<T>(key, kv.value, kv.mod_revision);
    return {
      error: new StoreError("Conflict", key, `${key} was modified (now at resourceVersion ${kv.mod_revision}); read it again and retry`),
      current,
    };
  }
}
