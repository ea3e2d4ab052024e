// How an object or list leaves the server: plain JSON, or a server-side Table when kubectl asks
// for one (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).

import type { KubeObject } from "../../api/object";
import { apiVersionOf, type ResourceType } from "../../api/resources";
import { toTable, wantsTable, parseIncludeObject } from "../../api/table";
import type { ListResult } from "../registry/resource-store";
import type { ResourceRequest } from "./resource-request";
import { sendJson } from "./http-io";

export function tableRequested(rr: ResourceRequest): boolean {
  return wantsTable(String(rr.req.headers.accept ?? ""));
}

export function sendObject(rr: ResourceRequest, code: number, obj: KubeObject): void {
  if (tableRequested(rr)) {
    sendJson(rr.res, code, toTable(rr.resource.kind, [obj], { now: rr.ctx.clock.now(), includeObject: parseIncludeObject(rr.url.searchParams) }));
    return;
  }
  sendJson(rr.res, code, obj);
}

export function sendList(rr: ResourceRequest, list: ListResult): void {
  const listMeta = {
    resourceVersion: list.resourceVersion,
    continue: list.continue,
    remainingItemCount: list.remainingItemCount,
  };
  if (tableRequested(rr)) {
    sendJson(rr.res, 200, toTable(rr.resource.kind, list.items, { now: rr.ctx.clock.now(), includeObject: parseIncludeObject(rr.url.searchParams), listMeta }));
    return;
  }
  sendJson(rr.res, 200, listOf(rr.resource, list.items, listMeta));
}

export function listOf(r: ResourceType, items: KubeObject[], metadata: Record<string, unknown>) {
  return { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: dropUndefined(metadata), items };
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
