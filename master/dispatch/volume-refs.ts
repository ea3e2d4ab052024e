// Which ConfigMaps and Secrets a pod reads, and their contents in the contract's VolumeData
// shape. A node receives an object's data only while one of its desired pods references it
// (volumes, projected sources, env valueFrom, envFrom, and for Secrets imagePullSecrets), so a
// Secret never travels to a node that does not run a pod using it.

import type { Container, Pod } from "kubernetes-types/core/v1";
import type { KubeObject } from "../../api/object";
import { VolumeData, VolumeData_Kind } from "../../proto/gen/agent";

export type ConfigKind = "ConfigMap" | "Secret";

export interface ConfigRef {
  kind: ConfigKind;
  namespace: string;
  name: string;
}

export function configKey(ref: ConfigRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function parseConfigKey(key: string): ConfigRef {
  const [kind, namespace, ...rest] = key.split("/");
  return { kind: kind as ConfigKind, namespace, name: rest.join("/") };
}

/** Keys (`configKey`) of every ConfigMap and Secret the pod reads. */
export function referencedConfig(pod: KubeObject): Set<string> {
  const p = pod as unknown as Pod;
  const namespace = p.metadata?.namespace ?? "";
  const out = new Set<string>();
  const add = (kind: ConfigKind, name: string | undefined) => {
    if (name) out.add(configKey({ kind, namespace, name }));
  };
  for (const v of p.spec?.volumes ?? []) {
    add("ConfigMap", v.configMap?.name);
    add("Secret", v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add("ConfigMap", s.configMap?.name);
      add("Secret", s.secret?.name);
    }
  }
  const containers: Container[] = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])];
  for (const c of containers) {
    for (const f of c.envFrom ?? []) {
      add("ConfigMap", f.configMapRef?.name);
      add("Secret", f.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      add("ConfigMap", e.valueFrom?.configMapKeyRef?.name);
      add("Secret", e.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const s of p.spec?.imagePullSecrets ?? []) add("Secret", s.name);
  return out;
}

/** What identifies one version of the data: the object's resourceVersion, or "absent". */
export function configVersion(obj: KubeObject | undefined): string {
  return obj ? `rv:${obj.metadata.resourceVersion ?? ""}` : "absent";
}

/** The contract's VolumeData for a referenced object (`obj` undefined: it does not exist). */
export function toVolumeData(ref: ConfigRef, obj: KubeObject | undefined): VolumeData {
  const kind = ref.kind === "ConfigMap" ? VolumeData_Kind.KIND_CONFIG_MAP : VolumeData_Kind.KIND_SECRET;
  if (!obj) return VolumeData.fromPartial({ kind, namespace: ref.namespace, name: ref.name, exists: false });
  const data: Record<string, Buffer> = {};
  if (ref.kind === "ConfigMap") {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, "utf8");
    for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, "base64");
  } else {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, "base64");
    // Stored Secrets have stringData folded into data by the apiserver; a stray one still counts.
    for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, "utf8");
  }
  return VolumeData.fromPartial({
    kind,
    namespace: ref.namespace,
    name: ref.name,
    resourceVersion: obj.metadata.resourceVersion ?? "",
    exists: true,
    data,
    type: ref.kind === "Secret" ? String(obj.type ?? "Opaque") : "",
  });
}
