// The key of an object in caches and work queues: `namespace/name`, or `name` for cluster-scoped
// objects (client-go's MetaNamespaceKeyFunc and SplitMetaNamespaceKey). One definition, so an
// informer's cache, a controller's queue and the scheduler agree on what a key is.

import type { KubeObject } from "./object";

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones. */
export function namespacedKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The key of `obj`. */
export function objectKey(obj: KubeObject): string {
  return namespacedKey(obj.metadata.namespace, obj.metadata.name ?? "");
}

/** The inverse of namespacedKey. */
export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
