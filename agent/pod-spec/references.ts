// Which ConfigMaps and Secrets a pod reads (volumes, projected sources, env valueFrom, envFrom,
// imagePullSecrets): the agent keeps VolumeData only while a desired pod references it.

import type { Container, Pod } from "kubernetes-types/core/v1";
import { volumeDataKey } from "./volume-data";

export function referencedObjects(pod: Pod): Set<string> {
  const ns = pod.metadata?.namespace ?? "";
  const out = new Set<string>();
  const cm = (name: string | undefined) => name && out.add(volumeDataKey("ConfigMap", ns, name));
  const secret = (name: string | undefined) => name && out.add(volumeDataKey("Secret", ns, name));
  const spec = pod.spec;
  for (const v of spec?.volumes ?? []) {
    cm(v.configMap?.name);
    secret(v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      cm(s.configMap?.name);
      secret(s.secret?.name);
    }
  }
  const containers: Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  for (const c of containers) {
    for (const f of c.envFrom ?? []) {
      cm(f.configMapRef?.name);
      secret(f.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      cm(e.valueFrom?.configMapKeyRef?.name);
      secret(e.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const s of spec?.imagePullSecrets ?? []) secret(s.name);
  return out;
}
