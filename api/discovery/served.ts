// Which groups and versions discovery announces, read from the shared catalogue.
//
// A group-version is announced only when at least one resource is served in it. `policy/v1`
// is in GROUP_VERSIONS because pods/eviction takes a policy/v1 Eviction, but it has no resource
// of its own yet; a real apiserver never lists an empty group-version, and kubectl's drain
// finds eviction through /api/v1 anyway.

import { GROUP_VERSIONS, RESOURCES, type ResourceType } from "../resources";

export interface ServedGroup {
  group: string;
  /** Preferred first. */
  versions: string[];
}

export function resourcesOf(group: string, version: string): ResourceType[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

/** Every announced group (the core group included, as ""), in catalogue order. */
export function servedGroups(): ServedGroup[] {
  const out: ServedGroup[] = [];
  for (const gv of GROUP_VERSIONS) {
    const versions = gv.versions.filter((v) => resourcesOf(gv.group, v).length > 0);
    if (versions.length > 0) out.push({ group: gv.group, versions });
  }
  return out;
}

export function servedGroup(group: string): ServedGroup | undefined {
  return servedGroups().find((g) => g.group === group);
}

export function groupVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
