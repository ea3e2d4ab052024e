// Aggregated discovery (apidiscovery.k8s.io/v2, and the same shape as v2beta1): one document for
// /api and one for /apis that carry every resource, so kubectl needs two requests instead of one
// per group-version. kubectl only reads the body as aggregated when the response Content-Type is
// exactly the one below (see shared/kubectl-wire.md, "Discovery").

import type { ResourceType } from "../resources";
import { resourcesOf, servedGroups } from "./served";
import { subresourceInfo, type GroupVersionKind } from "./subresources";

export const AGGREGATED_V2_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const AGGREGATED_V2BETA1_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

export type AggregatedVersion = "v2" | "v2beta1";

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: "Cluster" | "Namespaced";
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: "Current";
}

export interface APIGroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  /** Preferred version first: aggregated discovery has no preferredVersion field. */
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: "APIGroupDiscoveryList";
  apiVersion: string;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

/** The whole list for `/api` ("core": the legacy group only) or `/apis` ("named": every other group). */
export function aggregatedDiscovery(scope: "core" | "named", version: AggregatedVersion = "v2"): APIGroupDiscoveryList {
  const groups = servedGroups().filter((g) => (scope === "core" ? g.group === "" : g.group !== ""));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.group === "" ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: resourcesOf(g.group, v).map(resourceDiscovery),
        freshness: "Current" as const,
      })),
    })),
  };
}

export function resourceDiscovery(r: ResourceType): APIResourceDiscovery {
  const out: APIResourceDiscovery = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  if (r.subresources.length > 0) {
    out.subresources = r.subresources.map((name) => {
      const s = subresourceInfo(r, name);
      return { subresource: s.name, responseKind: s.responseKind, verbs: s.verbs };
    });
  }
  return out;
}
