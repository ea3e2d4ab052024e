// Pod Security admission as the API's write path calls it (master/registry/admission.ts): the
// namespace labels come from the namespace cache (etcd for one created a moment ago), the pods of
// a namespace from the store.

import type { KubeObject } from "../../api/object";
import { findResource, type ResourceType } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { User } from "../auth/user";
import { admitPodSecurity, type PodSecurityEnvironment } from "./admission";

const namespacesResource = findResource("", "v1", "namespaces")!;
const podsResource = findResource("", "v1", "pods")!;

export interface PodSecurityWrite {
  operation: "create" | "update";
  object: KubeObject;
  oldObject?: KubeObject;
  subresource?: string;
  user?: User;
}

/** Admits the write or throws Kubernetes' 403 (or 422 for bad namespace labels); returns warnings. */
export function podSecurityAdmission(ctx: ApiContext, r: ResourceType, w: PodSecurityWrite): Promise<string[]> {
  const env: PodSecurityEnvironment = {
    config: ctx.podSecurity,
    namespaceLabels: async (namespace) => (ctx.namespaces.get(namespace) ?? (await ctx.storeFor(namespacesResource).get(undefined, namespace))).metadata.labels,
    listPods: async (namespace) => (await ctx.storeFor(podsResource).list(namespace)).items,
  };
  return admitPodSecurity(env, {
    group: r.group,
    plural: r.plural,
    operation: w.operation,
    subresource: w.subresource ?? "",
    namespace: w.object.metadata.namespace ?? "",
    name: w.object.metadata.name ?? "",
    object: w.object,
    oldObject: w.oldObject,
    username: w.user?.name,
  });
}
