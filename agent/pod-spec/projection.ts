// The files a configMap, secret, downwardAPI or projected volume shows: which keys, under which
// relative paths, with which modes (items, defaultMode, per-item mode), and the kubelet's
// errors for missing objects and keys (an optional reference gives an empty volume instead).

import type { ConfigMapProjection, DownwardAPIVolumeFile, KeyToPath, Pod, SecretProjection } from "kubernetes-types/core/v1";
import { VolumeError } from "./errors";
import { fieldValue, resourceValue, type PodRuntimeFacts } from "./field-ref";
import { existing, notFound, type VolumeDataKind, type VolumeDataLookup } from "./volume-data";

export interface ProjectedFile {
  /** Relative path inside the volume ("key", "dir/key"). */
  path: string;
  data: Buffer;
  mode: number;
}

export const DEFAULT_MODE = 0o644;

/** A volume file path must stay inside the volume: relative, no "..", not starting with "..". */
export function checkRelativePath(volume: string, p: string): string {
  const parts = p.split("/");
  if (p === "" || p.startsWith("/") || parts.includes("..") || p.startsWith("..")) {
    throw new VolumeError(volume, `invalid path ${JSON.stringify(p)}: must be relative and may not contain '..'`);
  }
  return parts.filter((x) => x !== "" && x !== ".").join("/");
}

function keyed(
  volume: string,
  kind: VolumeDataKind,
  namespace: string,
  src: { name?: string; optional?: boolean; items?: KeyToPath[] },
  defaultMode: number,
  data: VolumeDataLookup,
): ProjectedFile[] {
  const obj = existing(data, kind, namespace, src.name ?? "");
  if (!obj) {
    if (src.optional) return [];
    throw new VolumeError(volume, notFound(kind, src.name ?? ""));
  }
  if (!src.items || src.items.length === 0) {
    return Object.keys(obj.data)
      .sort()
      .map((key) => ({ path: checkRelativePath(volume, key), data: obj.data[key], mode: defaultMode }));
  }
  const files: ProjectedFile[] = [];
  for (const item of src.items) {
    const value = obj.data[item.key];
    if (value === undefined) {
      if (src.optional) continue;
      const what = kind === "ConfigMap" ? "configmap references non-existent config key" : "references non-existent secret key";
      throw new VolumeError(volume, `${what}: ${item.key}`);
    }
    files.push({ path: checkRelativePath(volume, item.path), data: value, mode: item.mode ?? defaultMode });
  }
  return files;
}

export function configMapFiles(volume: string, pod: Pod, src: ConfigMapProjection & { defaultMode?: number }, data: VolumeDataLookup, defaultMode = src.defaultMode ?? DEFAULT_MODE): ProjectedFile[] {
  return keyed(volume, "ConfigMap", pod.metadata?.namespace ?? "", src, defaultMode, data);
}

export function secretFiles(
  volume: string,
  pod: Pod,
  src: SecretProjection & { secretName?: string; defaultMode?: number },
  data: VolumeDataLookup,
  defaultMode = src.defaultMode ?? DEFAULT_MODE,
): ProjectedFile[] {
  return keyed(volume, "Secret", pod.metadata?.namespace ?? "", { ...src, name: src.secretName ?? src.name }, defaultMode, data);
}

export function downwardApiFiles(volume: string, pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, facts: PodRuntimeFacts): ProjectedFile[] {
  return items.map((item) => {
    const value = item.fieldRef
      ? fieldValue(pod, item.fieldRef, facts)
      : item.resourceFieldRef
        ? resourceValue(pod.spec?.containers ?? [], item.resourceFieldRef, facts)
        : "";
    return { path: checkRelativePath(volume, item.path), data: Buffer.from(value), mode: item.mode ?? defaultMode };
  });
}
