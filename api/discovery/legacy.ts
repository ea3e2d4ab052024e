// Legacy (unaggregated) discovery: APIVersions for /api, APIGroupList for /apis, APIGroup for
// /apis/<group>, and an APIResourceList per group-version. Clients that do not ask for the
// aggregated form walk these, and `kubectl drain` always reads /api/v1 to find pods/eviction.

import type { ResourceType } from "../resources";
import { groupVersionString, resourcesOf, servedGroup, servedGroups, type ServedGroup } from "./served";
import { subresourceInfo } from "./subresources";

export interface APIVersions {
  kind: "APIVersions";
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: "APIGroup";
  apiVersion?: "v1";
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: "APIGroupList";
  apiVersion: "v1";
  groups: APIGroup[];
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  /** Set only when the kind lives in another group-version than the list (e.g. pods/eviction). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: "APIResourceList";
  apiVersion: "v1";
  groupVersion: string;
  resources: APIResource[];
}

/** `/api`. `serverAddress` (host:port clients should use) is advertised for every client CIDR. */
export function apiVersions(serverAddress?: string): APIVersions {
  const core = servedGroup("");
  return {
    kind: "APIVersions",
    versions: core ? [...core.versions] : [],
    serverAddressByClientCIDRs: serverAddress ? [{ clientCIDR: "0.0.0.0/0", serverAddress }] : [],
  };
}

/** `/apis`: every named group, in catalogue order. */
export function apiGroupList(): APIGroupList {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: servedGroups()
      .filter((g) => g.group !== "")
      .map(groupEntry),
  };
}

/** `/apis/<group>`; undefined for a group that is not served (the caller answers 404). */
export function apiGroup(group: string): APIGroup | undefined {
  const g = group === "" ? undefined : servedGroup(group);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(g) } : undefined;
}

/** `/api/v1` or `/apis/<group>/<version>`; undefined when that group-version is not served. */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  const g = servedGroup(group);
  if (!g || !g.versions.includes(version)) return undefined;
  const resources: APIResource[] = [];
  for (const r of resourcesOf(group, version)) {
    resources.push(resourceEntry(r));
    for (const sub of r.subresources) resources.push(subresourceEntry(r, sub));
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersionString(group, version), resources };
}

function groupEntry(g: ServedGroup): APIGroup {
  const versions = g.versions.map((v) => ({ groupVersion: groupVersionString(g.group, v), version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

function resourceEntry(r: ResourceType): APIResource {
  const out: APIResource = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs] };
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  return out;
}

function subresourceEntry(r: ResourceType, name: string): APIResource {
  const s = subresourceInfo(r, name);
  const out: APIResource = { name: `${r.plural}/${name}`, singularName: "", namespaced: r.namespaced, kind: s.responseKind.kind, verbs: s.verbs };
  if (s.responseKind.group !== r.group || s.responseKind.version !== r.version) {
    out.group = s.responseKind.group;
    out.version = s.responseKind.version;
  }
  return out;
}
