// What each subresource answers with and which verbs it takes. Discovery reads this table so that
// kubectl learns, for example, that `pods/eviction` takes a policy/v1 Eviction (drain depends on
// it) and that `deployments/scale` speaks autoscaling/v1 Scale (kubectl scale depends on it).

import type { ResourceType } from "../resources";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

interface SubresourceSpec {
  /** The kind the subresource returns; "parent" means the kind of the resource it hangs under. */
  kind: GroupVersionKind | "parent";
  verbs: string[];
}

const SUBRESOURCES: Readonly<Record<string, SubresourceSpec>> = {
  status: { kind: "parent", verbs: ["get", "patch", "update"] },
  scale: { kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
  eviction: { kind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] },
  binding: { kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] },
  log: { kind: "parent", verbs: ["get"] },
  exec: { kind: { group: "", version: "v1", kind: "PodExecOptions" }, verbs: ["create", "get"] },
  attach: { kind: { group: "", version: "v1", kind: "PodAttachOptions" }, verbs: ["create", "get"] },
  portforward: { kind: { group: "", version: "v1", kind: "PodPortForwardOptions" }, verbs: ["create", "get"] },
  finalize: { kind: "parent", verbs: ["update"] },
  // certificatesigningrequests/approval: the Approved/Denied conditions (kubectl certificate approve|deny).
  approval: { kind: "parent", verbs: ["get", "patch", "update"] },
  // serviceaccounts/token: TokenRequest (kubectl create token).
  token: { kind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }, verbs: ["create"] },
  ephemeralcontainers: { kind: "parent", verbs: ["get", "patch", "update"] },
  // Only nodes have it, and only GET is served (node-proxy.ts); upstream lists every verb.
  proxy: { kind: { group: "", version: "v1", kind: "NodeProxyOptions" }, verbs: ["get"] },
};

export interface SubresourceInfo {
  /** e.g. "eviction" */
  name: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

/**
 * The discovery facts of one subresource of `r`. Throws when the catalogue names a subresource
 * this table does not know: discovery is built once at startup, so the mistake shows at once.
 */
export function subresourceInfo(r: ResourceType, name: string): SubresourceInfo {
  const spec = SUBRESOURCES[name];
  if (!spec) {
    throw new Error(`discovery: resource ${r.plural} lists subresource "${name}", which api/discovery/subresources.ts does not describe; add it there`);
  }
  const responseKind = spec.kind === "parent" ? { group: r.group, version: r.version, kind: r.kind } : { ...spec.kind };
  return { name, responseKind, verbs: [...spec.verbs] };
}

export function knownSubresources(): string[] {
  return Object.keys(SUBRESOURCES);
}
