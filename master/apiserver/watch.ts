// Watch: a chunked stream of {"type","object"} lines. Without a resourceVersion (or "0") the
// current objects come first as ADDED; with one, every change after it. Selectors are applied
// to both the old and new object so objects moving in or out of the selection appear as ADDED
// or DELETED, as the Kubernetes watch cache does.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { apiVersionOf } from "../../api/resources";
import { toTable, parseIncludeObject } from "../../api/table";
import type { WatchEvent, WatchEventType } from "../registry/resource-store";
import type { ResourceRequest } from "./resource-request";
import { parseBoolParam } from "./query-params";
import { tableRequested } from "./representation";
import { selectorFilter } from "./selectors";

/** A client this far behind is cut off; it will re-list and watch again. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export async function watchObjects(rr: ResourceRequest): Promise<void> {
  const q = rr.url.searchParams;
  const store = rr.ctx.storeFor(rr.resource);
  const matches = selectorFilter(rr.resource.kind, q) ?? (() => true);
  const asTable = tableRequested(rr);
  const includeObject = parseIncludeObject(q);
  let sentColumns = false;
  const nameFilter = rr.name; // GET .../pods?watch=true&fieldSelector=metadata.name= or the legacy /watch/<name>
  const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0") || 1800 + Math.floor(Math.random() * 1800);
  const bookmarks = parseBoolParam(q, "allowWatchBookmarks");
  // Checked so a bad value is a 400, but not acted on: the initial ADDED events come whenever no
  // resourceVersion is given, and the bookmark that ends them under sendInitialEvents=true is not
  // sent yet.
  parseBoolParam(q, "sendInitialEvents");

  rr.res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache" });
  rr.res.flushHeaders();

  let closed = false;
  const write = (type: WatchEventType, object: unknown) => {
    if (closed) return;
    rr.res.write(JSON.stringify({ type, object }) + "\n");
    if (rr.res.writableLength > MAX_BUFFERED_BYTES) {
      // It does not read: ending politely would keep the buffer until it does. Cut it off.
      finish();
      rr.res.destroy();
    }
  };
  const send = (type: WatchEventType, obj: KubeObject) => {
    if (type === "BOOKMARK" || type === "ERROR") return write(type, obj);
    if (!asTable) return write(type, obj);
    const table = toTable(rr.resource.kind, [obj], { now: rr.ctx.clock.now(), includeObject });
    if (sentColumns) table.columnDefinitions = [];
    sentColumns = true;
    write(type, table);
  };
  const selected = (obj: KubeObject | undefined) => obj !== undefined && (!nameFilter || obj.metadata.name === nameFilter) && matches(obj);

  let startRv = q.get("resourceVersion") ?? "";
  if (startRv === "" || startRv === "0") {
    const initial = await store.list(rr.namespace, { filter: (o) => selected(o) });
    for (const obj of initial.items) send("ADDED", obj);
    startRv = initial.resourceVersion;
  }

  const onEvent = (e: WatchEvent) => {
    if (e.type === "BOOKMARK") {
      return write("BOOKMARK", { kind: rr.resource.kind, apiVersion: apiVersionOf(rr.resource), metadata: { resourceVersion: e.object.metadata.resourceVersion } });
    }
    const now = selected(e.object);
    const before = e.prevObject === undefined ? now : selected(e.prevObject);
    if (e.type === "ADDED" && now) send("ADDED", e.object);
    else if (e.type === "DELETED" && (before || now)) send("DELETED", e.object);
    else if (e.type === "MODIFIED") {
      if (now && before) send("MODIFIED", e.object);
      else if (now) send("ADDED", e.object);
      else if (before) send("DELETED", e.object);
    }
  };

  const active: { watch?: { close(): Promise<void> }; timer?: NodeJS.Timeout } = {};
  function finish() {
    if (closed) return;
    closed = true;
    clearTimeout(active.timer);
    void active.watch?.close();
    rr.res.end();
  }
  rr.req.on("close", finish);
  rr.res.on("close", finish);
  active.timer = setTimeout(finish, timeoutSeconds * 1000);

  const watch = await store.watch(
    rr.namespace,
    { resourceVersion: startRv, bookmarks },
    {
      event: onEvent,
      error: (err) => {
        // Kubernetes reports a failed watch (410 Expired above all) as an ERROR event carrying a Status.
        write("ERROR", ApiError.from(err).toStatus());
        finish();
      },
    },
  );
  active.watch = watch;
  if (closed) await watch.close();
}
