// Pod volumes: unique DNS-label names and exactly one source each. The sources Gantry can run
// (emptyDir, hostPath, secret, configMap, downwardAPI, projected, persistentVolumeClaim, nfs, csi,
// ephemeral, image) get their field rules; the remaining cloud-disk sources are only counted, so
// "may not specify more than 1 volume type" still holds for them.

import { Quantity } from "../quantity";
import { validateObjectFieldSelector, validateResourceFieldSelector, VOLUME_FIELD_PATHS } from "./env";
import { type FieldCause, child, duplicate, forbidden, index, invalid, notSupported, required } from "./field";
import { type Obj, arr, isObj, obj, objItems, str } from "./json";
import { isDNS1123Label } from "./names";

/** Source keys in the order Kubernetes checks them, with the child name its errors use. */
const SOURCES: readonly [string, string][] = [
  ["emptyDir", "emptyDir"], ["hostPath", "hostPath"], ["gitRepo", "gitRepo"], ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"], ["secret", "secret"], ["nfs", "nfs"], ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"], ["flocker", "flocker"], ["persistentVolumeClaim", "persistentVolumeClaim"], ["rbd", "rbd"],
  ["cinder", "cinder"], ["cephfs", "cephFS"], ["quobyte", "quobyte"], ["downwardAPI", "downwarAPI"], ["fc", "fc"],
  ["flexVolume", "flexVolume"], ["configMap", "configMap"], ["azureFile", "azureFile"], ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"], ["portworxVolume", "portworxVolume"], ["azureDisk", "azureDisk"],
  ["storageos", "storageos"], ["projected", "projected"], ["scaleIO", "scaleIO"], ["csi", "csi"], ["ephemeral", "ephemeral"],
  ["image", "image"],
];
export const VOLUME_SOURCE_KEYS = SOURCES.map(([k]) => k);

const FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";
const HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];

function validateMode(mode: unknown, field: string): FieldCause[] {
  return typeof mode === "number" && (mode < 0 || mode > 0o777) ? [invalid(field, mode, FILE_MODE_ERROR)] : [];
}

function validatePathNoBacksteps(path: string, field: string): FieldCause[] {
  return path.replace(/\\/g, "/").split("/").includes("..") ? [invalid(field, path, "must not contain '..'")] : [];
}

export function validateLocalDescendingPath(path: string, field: string): FieldCause[] {
  const causes = path.startsWith("/") ? [invalid(field, path, "must be a relative path")] : [];
  return [...causes, ...validatePathNoBacksteps(path, field)];
}

function validateLocalNonReservedPath(path: string, field: string): FieldCause[] {
  const causes = validateLocalDescendingPath(path, field);
  if (path.startsWith("..") && !path.startsWith("../")) causes.push(invalid(field, path, "must not start with '..'"));
  return causes;
}

function validateKeyToPaths(items: unknown, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [kp, i] of objItems(items)) {
    const path = index(field, i);
    if (!str(kp.key)) causes.push(required(child(path, "key")));
    if (!str(kp.path)) causes.push(required(child(path, "path")));
    causes.push(...validateLocalNonReservedPath(str(kp.path), child(path, "path")), ...validateMode(kp.mode, child(path, "mode")));
  }
  return causes;
}

function validateDownwardAPIFile(file: Obj, field: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!str(file.path)) causes.push(required(child(field, "path")));
  causes.push(...validateLocalNonReservedPath(str(file.path), child(field, "path")));
  if (isObj(file.fieldRef)) {
    causes.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, child(field, "fieldRef")));
    if (isObj(file.resourceFieldRef)) causes.push(invalid(field, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"));
  } else if (isObj(file.resourceFieldRef)) {
    causes.push(...validateResourceFieldSelector(file.resourceFieldRef, child(field, "resourceFieldRef"), true));
  } else {
    causes.push(required(field, "one of fieldRef and resourceFieldRef is required"));
  }
  return [...causes, ...validateMode(file.mode, child(field, "mode"))];
}

function validateProjected(src: Obj, field: string): FieldCause[] {
  const causes = validateMode(src.defaultMode, child(field, "defaultMode"));
  const paths = new Set<string>();
  const claim = (p: string, value: unknown): void => {
    if (!p) return;
    if (paths.has(p)) causes.push(invalid(field, value, "conflicting duplicate paths"));
    paths.add(p);
  };
  for (const [source, i] of objItems(src.sources)) {
    const srcPath = index(child(field, "sources"), i);
    let count = 0;
    for (const kind of ["secret", "configMap"]) {
      if (!isObj(source[kind])) continue;
      count++;
      const ref = obj(source[kind]);
      if (!str(ref.name)) causes.push(required(child(srcPath, kind, "name")));
      causes.push(...validateKeyToPaths(ref.items, child(srcPath, kind, "items")));
      for (const item of arr(ref.items)) claim(str(obj(item).path), str(ref.name));
    }
    if (isObj(source.downwardAPI)) {
      count++;
      for (const [file] of objItems(source.downwardAPI.items)) {
        causes.push(...validateDownwardAPIFile(file, child(srcPath, "downwardAPI")));
        claim(str(file.path), str(file.path));
      }
    }
    if (isObj(source.serviceAccountToken)) {
      count++;
      const token = source.serviceAccountToken;
      const seconds = typeof token.expirationSeconds === "number" ? token.expirationSeconds : 0;
      const secondsPath = child(srcPath, "serviceAccountToken", "expirationSeconds");
      if (seconds < 600) causes.push(invalid(secondsPath, seconds, "may not specify a duration less than 10 minutes"));
      if (seconds > 2 ** 32) causes.push(invalid(secondsPath, seconds, "may not specify a duration larger than 2^32 seconds"));
      if (!str(token.path)) causes.push(required(child(field, "path")));
      else causes.push(...validateLocalNonReservedPath(str(token.path), child(field, "path")));
    }
    if (isObj(source.clusterTrustBundle)) count++;
    if (count > 1) causes.push(forbidden(srcPath, "may not specify more than 1 volume type per source"));
  }
  return causes;
}

function validateSource(kind: string, src: Obj, field: string, isPod: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  switch (kind) {
    case "emptyDir": {
      const limit = Quantity.tryParse(src.sizeLimit);
      if (limit && limit.sign() < 0) causes.push(forbidden(child(field, "sizeLimit"), "SizeLimit field must be a valid resource quantity"));
      break;
    }
    case "hostPath": {
      const p = str(src.path);
      if (!p) return [required(child(field, "path"))];
      causes.push(...validatePathNoBacksteps(p, child(field, "path")));
      if (typeof src.type === "string" && !HOST_PATH_TYPES.includes(src.type)) causes.push(notSupported(child(field, "type"), src.type, HOST_PATH_TYPES));
      break;
    }
    case "secret":
      if (!str(src.secretName)) causes.push(required(child(field, "secretName")));
      causes.push(...validateMode(src.defaultMode, child(field, "defaultMode")), ...validateKeyToPaths(src.items, child(field, "items")));
      break;
    case "configMap":
      if (!str(src.name)) causes.push(required(child(field, "name")));
      causes.push(...validateMode(src.defaultMode, child(field, "defaultMode")), ...validateKeyToPaths(src.items, child(field, "items")));
      break;
    case "persistentVolumeClaim":
      if (!str(src.claimName)) causes.push(required(child(field, "claimName")));
      break;
    case "nfs":
      if (!str(src.server)) causes.push(required(child(field, "server")));
      if (!str(src.path)) causes.push(required(child(field, "path")));
      if (!str(src.path).startsWith("/")) causes.push(invalid(child(field, "path"), str(src.path), "must be an absolute path"));
      break;
    case "downwardAPI":
      causes.push(...validateMode(src.defaultMode, child(field, "defaultMode")));
      for (const [file] of objItems(src.items)) causes.push(...validateDownwardAPIFile(file, field));
      break;
    case "projected":
      causes.push(...validateProjected(src, field));
      break;
    case "csi":
      if (!str(src.driver)) causes.push(required(child(field, "driver")));
      break;
    case "ephemeral":
      if (!isObj(src.volumeClaimTemplate)) causes.push(required(child(field, "volumeClaimTemplate")));
      break;
    case "image":
      if (isPod && !str(src.reference)) causes.push(required(child(field, "reference")));
      if (!PULL_POLICIES.includes(str(src.pullPolicy))) {
        causes.push(str(src.pullPolicy) ? notSupported(child(field, "pullPolicy"), str(src.pullPolicy), PULL_POLICIES) : required(child(field, "pullPolicy")));
      }
      break;
  }
  return causes;
}

function validateVolumeSource(volume: Obj, field: string, isPod: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  let count = 0;
  for (const [kind, childName] of SOURCES) {
    if (!isObj(volume[kind])) continue;
    if (count > 0) {
      causes.push(forbidden(child(field, childName), "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    causes.push(...validateSource(kind, volume[kind], child(field, kind), isPod));
  }
  if (count === 0) causes.push(required(field, "must specify a volume type"));
  return causes;
}

/** The source kind of a volume ("emptyDir", "persistentVolumeClaim", …). */
export function volumeSourceKind(volume: Obj): string | undefined {
  return VOLUME_SOURCE_KEYS.find((k) => isObj(volume[k]));
}

/**
 * Validates the list and returns the volumes mounts may refer to: like Kubernetes, a volume with
 * any error is left out, so mounts of it are reported as "Not found" too.
 */
export function validateVolumes(volumes: unknown, field: string, isPod: boolean): { causes: FieldCause[]; valid: Map<string, Obj> } {
  const causes: FieldCause[] = [];
  const valid = new Map<string, Obj>();
  for (const [volume, i] of objItems(volumes)) {
    const path = index(field, i);
    const name = str(volume.name);
    const own = validateVolumeSource(volume, path, isPod);
    if (!name) own.push(required(child(path, "name")));
    else for (const msg of isDNS1123Label(name)) own.push(invalid(child(path, "name"), name, msg));
    if (valid.has(name)) own.push(duplicate(child(path, "name"), name));
    if (own.length === 0) valid.set(name, volume);
    else causes.push(...own);
  }
  return { causes, valid };
}
