// A container's environment, built the way the kubelet builds it:
//   1. envFrom sources in order (prefix + key, invalid names skipped),
//   2. env entries in order: `value` with $(VAR) expansion against what is defined so far,
//      or `valueFrom` (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef),
//   3. the Service variables (service-env.ts) the container does not define itself,
//   4. merged over the image's Env: same keys replaced in place, new keys appended.
// $(VAR) sees the container's variables defined so far, then the Service variables; the
// image's own variables are not visible to it (Kubernetes does not see them).

import type { Container, Pod } from "kubernetes-types/core/v1";
import { expand } from "./expand";
import { ConfigError } from "./errors";
import { fieldValue, resourceValue, type PodRuntimeFacts } from "./field-ref";
import { existing, notFound, type VolumeDataKind, type VolumeDataLookup } from "./volume-data";

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface EnvResult {
  /** "KEY=value" in final order, image variables first. */
  env: string[];
  /** The container's own variables, then the Service ones (for $(VAR) in command, args and subPathExpr). */
  vars: Map<string, string>;
  /** envFrom keys that are not valid variable names (the kubelet reports them in an event). */
  skipped: string[];
}

export function buildEnv(
  pod: Pod,
  container: Container,
  imageEnv: readonly string[],
  data: VolumeDataLookup,
  facts: PodRuntimeFacts,
  serviceEnv: ReadonlyMap<string, string> = new Map(),
): EnvResult {
  const ns = pod.metadata?.namespace ?? "";
  const vars = new Map<string, string>();
  const skipped: string[] = [];

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind: VolumeDataKind = from.configMapRef ? "ConfigMap" : "Secret";
    const obj = existing(data, kind, ns, ref.name ?? "");
    if (!obj) {
      if (ref.optional) continue;
      throw new ConfigError("CreateContainerConfigError", notFound(kind, ref.name ?? ""));
    }
    for (const key of Object.keys(obj.data).sort()) {
      const name = `${from.prefix ?? ""}${key}`;
      if (!ENV_NAME.test(name)) {
        skipped.push(name);
        continue;
      }
      vars.set(name, obj.data[key].toString("utf8"));
    }
  }

  for (const e of container.env ?? []) {
    if (e.value !== undefined && e.value !== "") {
      vars.set(e.name, expand(e.value, (n) => vars.get(n) ?? serviceEnv.get(n)));
      continue;
    }
    const from = e.valueFrom;
    if (!from) {
      vars.set(e.name, "");
      continue;
    }
    if (from.fieldRef) vars.set(e.name, fieldValue(pod, from.fieldRef, facts));
    else if (from.resourceFieldRef) vars.set(e.name, resourceValue([container], from.resourceFieldRef, facts));
    else if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const kind: VolumeDataKind = from.configMapKeyRef ? "ConfigMap" : "Secret";
      const obj = existing(data, kind, ns, ref.name ?? "");
      if (!obj) {
        if (ref.optional) continue;
        throw new ConfigError("CreateContainerConfigError", notFound(kind, ref.name ?? ""));
      }
      const value = obj.data[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ConfigError("CreateContainerConfigError", `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
      }
      vars.set(e.name, value.toString("utf8"));
    }
  }

  // The pod's own variables win over the Service ones (the kubelet drops those it defines).
  for (const [key, value] of serviceEnv) if (!vars.has(key)) vars.set(key, value);
  return { env: mergeEnv(imageEnv, vars), vars, skipped };
}

/** Image Env with the container's variables laid over it. */
export function mergeEnv(imageEnv: readonly string[], vars: Map<string, string>): string[] {
  const out: string[] = [];
  const index = new Map<string, number>();
  for (const kv of imageEnv) {
    const eq = kv.indexOf("=");
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (index.has(key)) out[index.get(key)!] = kv;
    else {
      index.set(key, out.length);
      out.push(kv);
    }
  }
  for (const [key, value] of vars) {
    const kv = `${key}=${value}`;
    if (index.has(key)) out[index.get(key)!] = kv;
    else {
      index.set(key, out.length);
      out.push(kv);
    }
  }
  return out;
}
