// proto DesiredPods / VolumeData -> the agent's desired-state update.

import { VolumeData_Kind, type DesiredPods, type VolumeData } from "../../proto/gen/agent";
import type { DesiredPodsUpdate } from "../desired/desired-set";
import type { VolumeSourceData } from "../pod-spec/volume-data";

export function volumeDataFromProto(v: VolumeData): VolumeSourceData | undefined {
  const kind = v.kind === VolumeData_Kind.KIND_CONFIG_MAP ? "ConfigMap" : v.kind === VolumeData_Kind.KIND_SECRET ? "Secret" : undefined;
  if (!kind) return undefined;
  return {
    kind,
    namespace: v.namespace,
    name: v.name,
    resourceVersion: v.resourceVersion,
    exists: v.exists,
    type: v.type,
    data: Object.fromEntries(Object.entries(v.data).map(([k, b]) => [k, Buffer.from(b)])),
  };
}

export function desiredFromProto(m: DesiredPods): DesiredPodsUpdate {
  return {
    generation: m.generation,
    full: m.full,
    upsert: m.upsert.map((p) => ({ uid: p.uid, namespace: p.namespace, name: p.name, resourceVersion: p.resourceVersion, podJson: p.podJson })),
    remove: [...m.remove],
    volumeData: m.volumeData.flatMap((v) => {
      const d = volumeDataFromProto(v);
      return d ? [d] : [];
    }),
  };
}
