// The ConfigMap and Secret contents the master resolved for this node's pods (proto VolumeData),
// in the agent's own shape. Secret data only ever lives in memory and on tmpfs.

export type VolumeDataKind = "ConfigMap" | "Secret";

export interface VolumeSourceData {
  kind: VolumeDataKind;
  namespace: string;
  name: string;
  resourceVersion: string;
  /** False when the object does not exist (the master looked and found nothing). */
  exists: boolean;
  data: Record<string, Buffer>;
  type: string;
}

export interface VolumeDataLookup {
  /** undefined when the master sent nothing about it, which counts as "not found". */
  get(kind: VolumeDataKind, namespace: string, name: string): VolumeSourceData | undefined;
}

export function volumeDataKey(kind: VolumeDataKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** A lookup over a fixed list (tests, and the agent's desired state). */
export function lookupFrom(items: Iterable<VolumeSourceData>): VolumeDataLookup {
  const map = new Map<string, VolumeSourceData>();
  for (const d of items) map.set(volumeDataKey(d.kind, d.namespace, d.name), d);
  return { get: (kind, namespace, name) => map.get(volumeDataKey(kind, namespace, name)) };
}

/** The object, or undefined when it does not exist or was not sent. */
export function existing(lookup: VolumeDataLookup, kind: VolumeDataKind, namespace: string, name: string): VolumeSourceData | undefined {
  const d = lookup.get(kind, namespace, name);
  return d && d.exists ? d : undefined;
}

export function notFound(kind: VolumeDataKind, name: string): string {
  return `${kind === "ConfigMap" ? "configmap" : "secret"} "${name}" not found`;
}
