// Container environment: `env` entries (a valid name, and at most one of value / valueFrom
// source) and `envFrom` sources (a ConfigMap or a Secret, with an optional name prefix).

import { type FieldCause, child, index, invalid, notSupported, required } from "./field";
import { type Obj, isObj, obj, objItems, str } from "./json";
import { isConfigMapKey, isDNS1123Subdomain, isEnvVarName, isQualifiedName, nameIsDNSSubdomain } from "./names";

const ENV_FIELD_PATHS = [
  "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
  "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
];
export const VOLUME_FIELD_PATHS = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];
/** Everything the v1 downward API converts; anything else is "field label not supported". */
const CONVERTIBLE_FIELD_PATHS = new Set([
  "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
  "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
  "status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
]);
const RESOURCE_FIELD_PATHS = [
  "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory",
];

/** `metadata.labels['app']` → ["metadata.labels", "app"]. */
function splitSubscript(path: string): [string, string] | undefined {
  const m = /^(.+)\['(.*)'\]$/.exec(path);
  return m ? [m[1], m[2]] : undefined;
}

export function validateObjectFieldSelector(ref: Obj, allowed: readonly string[], field: string): FieldCause[] {
  const apiVersion = str(ref.apiVersion);
  const fieldPath = str(ref.fieldPath);
  if (!apiVersion) return [required(child(field, "apiVersion"))];
  if (!fieldPath) return [required(child(field, "fieldPath"))];
  const sub = splitSubscript(fieldPath);
  const base = sub ? sub[0] : fieldPath;
  let conversionError = "";
  if (apiVersion !== "v1") conversionError = `unsupported pod version: ${apiVersion}`;
  else if (sub ? base !== "metadata.labels" && base !== "metadata.annotations" : !CONVERTIBLE_FIELD_PATHS.has(fieldPath)) {
    conversionError = `field label not supported: ${fieldPath}`;
  }
  if (conversionError) return [invalid(child(field, "fieldPath"), fieldPath, `error converting fieldPath: ${conversionError}`)];
  if (sub) {
    const name = base === "metadata.annotations" ? sub[1].toLowerCase() : sub[1];
    return isQualifiedName(name).map((msg) => invalid(field, name, msg));
  }
  return allowed.includes(fieldPath) ? [] : [notSupported(child(field, "fieldPath"), fieldPath, [...allowed].sort())];
}

export function validateResourceFieldSelector(ref: Obj, field: string, inVolume: boolean): FieldCause[] {
  if (inVolume && !str(ref.containerName)) return [required(child(field, "containerName"))];
  const resource = str(ref.resource);
  if (!resource) return [required(child(field, "resource"))];
  const hugepages = resource.startsWith("requests.hugepages-") || resource.startsWith("limits.hugepages-");
  if (!RESOURCE_FIELD_PATHS.includes(resource) && !hugepages) return [notSupported(child(field, "resource"), resource, RESOURCE_FIELD_PATHS)];
  return [];
}

function validateKeySelector(ref: Obj, field: string): FieldCause[] {
  const causes = isDNS1123Subdomain(str(ref.name)).map((msg) => invalid(child(field, "name"), str(ref.name), msg));
  const k = str(ref.key);
  if (!k) causes.push(required(child(field, "key")));
  else for (const msg of isConfigMapKey(k)) causes.push(invalid(child(field, "key"), k, msg));
  return causes;
}

function validateValueFrom(env: Obj, field: string): FieldCause[] {
  if (!isObj(env.valueFrom)) return [];
  const from = env.valueFrom;
  const causes: FieldCause[] = [];
  let sources = 0;
  if (isObj(from.fieldRef)) {
    sources++;
    causes.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, child(field, "fieldRef")));
  }
  if (isObj(from.resourceFieldRef)) {
    sources++;
    causes.push(...validateResourceFieldSelector(from.resourceFieldRef, child(field, "resourceFieldRef"), false));
  }
  if (isObj(from.configMapKeyRef)) {
    sources++;
    causes.push(...validateKeySelector(from.configMapKeyRef, child(field, "configMapKeyRef")));
  }
  if (isObj(from.secretKeyRef)) {
    sources++;
    causes.push(...validateKeySelector(from.secretKeyRef, child(field, "secretKeyRef")));
  }
  if (sources === 0) causes.push(invalid(field, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  else if (str(env.value)) causes.push(invalid(field, "", "may not be specified when `value` is not empty"));
  else if (sources > 1) causes.push(invalid(field, "", "may not have more than one field specified at a time"));
  return causes;
}

export function validateEnv(envList: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [env, i] of objItems(envList)) {
    const path = index(field, i);
    const name = str(env.name);
    if (!name) causes.push(required(child(path, "name")));
    else for (const msg of isEnvVarName(name)) causes.push(invalid(child(path, "name"), name, msg));
    causes.push(...validateValueFrom(env, child(path, "valueFrom")));
  }
  return causes;
}

export function validateEnvFrom(sources: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [src, i] of objItems(sources)) {
    const path = index(field, i);
    const prefix = str(src.prefix);
    if (prefix) for (const msg of isEnvVarName(prefix)) causes.push(invalid(child(path, "prefix"), prefix, msg));
    let count = 0;
    for (const kind of ["configMapRef", "secretRef"]) {
      if (!isObj(src[kind])) continue;
      count++;
      const name = str(obj(src[kind]).name);
      const namePath = child(path, kind, "name");
      if (!name) causes.push(required(namePath));
      else for (const msg of nameIsDNSSubdomain(name, true)) causes.push(invalid(namePath, name, msg));
    }
    if (count === 0) causes.push(invalid(field, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (count > 1) causes.push(invalid(field, "", "may not have more than one field specified at a time"));
  }
  return causes;
}
