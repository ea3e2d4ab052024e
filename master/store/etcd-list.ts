// Paged, filtered reads of a key prefix at one consistent revision. The first page pins the
// revision it read at; continue tokens carry it, so every page of a list sees the same state
// even while writers keep going (until compaction passes it: then Expired).

import type { KVClient } from "etcd3";
import type { KubeObject } from "../../api/object";
import { decodeContinue, encodeContinue, keyAfter, parseRevision, prefixEnd } from "./etcd-codec";
import { CONTINUE_EXPIRED, LIST_EXPIRED, readError } from "./etcd-errors";
import { StoreError, type ListOptions, type ListResult } from "./types";
import { decoderFor, IDENTITY_TRANSFORMER, type ValueDecoder } from "./value-transformer";

/** Keys per etcd range request: bounds message size and memory for big, filtered lists. */
const CHUNK = 500;

export async function listPrefix<T extends KubeObject>(kv: KVClient, prefix: string, options: ListOptions = {}, decode: ValueDecoder = decoderFor(IDENTITY_TRANSFORMER)): Promise<ListResult<T>> {
  let rev = 0; // 0 = latest, until the first response pins it
  let startKey = prefix;
  if (options.continue) {
    ({ rev, startKey } = decodeContinue(options.continue, prefix));
  } else if (options.resourceVersion && options.resourceVersion !== "0") {
    const parsed = parseRevision(options.resourceVersion);
    // Not a revision this store issued: clients recover from Expired by listing afresh.
    if (parsed === undefined) throw new StoreError("Expired", prefix, `resourceVersion "${options.resourceVersion}" for ${prefix} is not a store revision; list again without it`);
    rev = parsed;
  }
  const end = prefixEnd(prefix);
  const want = options.limit && options.limit > 0 ? options.limit : Infinity;
  const filter = options.filter;
  const items: T[] = [];
  const result: ListResult<T> = { items, resourceVersion: "" };

  for (;;) {
    const limit = filter ? CHUNK : Math.min(CHUNK, want - items.length);
    const res = await kv.range({ key: Buffer.from(startKey), range_end: end, revision: rev, limit }).catch((err: unknown) => {
      throw readError(err, prefix, rev, options.continue ? CONTINUE_EXPIRED : LIST_EXPIRED);
    });
    if (rev === 0) rev = Number(res.header.revision);
    let consumed = 0;
    let lastKey = startKey;
    for (const pair of res.kvs) {
      consumed++;
      lastKey = pair.key.toString("utf8");
      const obj = decode<T>(lastKey, pair.value, pair.mod_revision);
      if (!filter || filter(obj)) items.push(obj);
      if (items.length >= want) break;
    }
    if (items.length >= want) {
      if (consumed < res.kvs.length || res.more) {
        result.continue = encodeContinue(rev, keyAfter(lastKey));
        // `count` is every key from startKey to the end at this revision; without a filter
        // all of them are items still to come.
        if (!filter) result.remainingItemCount = Number(res.count) - consumed;
      }
      break;
    }
    if (!res.more || res.kvs.length === 0) break;
    startKey = keyAfter(lastKey);
  }
  result.resourceVersion = String(rev);
  return result;
}
