// Defaults for every PodSpec — in Pods and in workload pod templates alike (Kubernetes'
// SetDefaults_PodSpec, _Container, _Probe, _Volume and friends). Pod-only defaults live in pod.ts.

import { Quantity } from "../quantity";
import { defaultPullPolicy } from "./image";
import { type Obj, ensureObj, isObj, objList, setIfAbsent, setIfEmpty, setIfZero, str } from "./util";

/** Files projected from Secrets, ConfigMaps and the downward API default to mode 0644. */
const DEFAULT_FILE_MODE = 0o644;
const VOLUME_SOURCES = [
  "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi", "glusterfs",
  "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap",
  "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO",
  "csi", "ephemeral", "image",
];

/**
 * Resource quantities are stored rounded up to milli precision and in canonical spelling
 * (`0.5` → `500m`), so reads show what the scheduler will use. Unparseable values are left
 * for validation to report.
 */
export function canonicalizeResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [name, raw] of Object.entries(list)) {
    const q = Quantity.tryParse(raw);
    if (q) list[name] = q.roundUp(-3).toString();
  }
}

function defaultHTTPGet(handler: unknown): void {
  if (!isObj(handler) || !isObj(handler.httpGet)) return;
  setIfEmpty(handler.httpGet, "path", "/");
  setIfEmpty(handler.httpGet, "scheme", "HTTP");
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  setIfZero(probe, "timeoutSeconds", 1);
  setIfZero(probe, "periodSeconds", 10);
  setIfZero(probe, "successThreshold", 1);
  setIfZero(probe, "failureThreshold", 3);
  defaultHTTPGet(probe);
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref)) setIfEmpty(ref, "apiVersion", "v1");
}

export function defaultContainer(ctr: Obj): void {
  if (str(ctr.imagePullPolicy) === "") ctr.imagePullPolicy = defaultPullPolicy(str(ctr.image));
  setIfEmpty(ctr, "terminationMessagePath", "/dev/termination-log");
  setIfEmpty(ctr, "terminationMessagePolicy", "File");
  // `resources` is a struct, not a pointer, in Go: it always serializes, as `{}` when empty.
  const resources = ensureObj(ctr, "resources");
  canonicalizeResourceList(resources.limits);
  canonicalizeResourceList(resources.requests);
  for (const port of objList(ctr, "ports")) setIfEmpty(port, "protocol", "TCP");
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) defaultProbe(ctr[probe]);
  if (isObj(ctr.lifecycle)) {
    defaultHTTPGet(ctr.lifecycle.postStart);
    defaultHTTPGet(ctr.lifecycle.preStop);
  }
  for (const env of objList(ctr, "env")) if (isObj(env.valueFrom)) defaultFieldRef(env.valueFrom.fieldRef);
}

function defaultDownwardAPIItems(src: Obj): void {
  for (const item of objList(src, "items")) defaultFieldRef(item.fieldRef);
}

export function defaultVolume(volume: Obj): void {
  if (!VOLUME_SOURCES.some((k) => isObj(volume[k]))) volume.emptyDir = {};
  for (const kind of ["secret", "configMap", "downwardAPI", "projected"]) {
    if (isObj(volume[kind])) setIfAbsent(volume[kind] as Obj, "defaultMode", DEFAULT_FILE_MODE);
  }
  if (isObj(volume.downwardAPI)) defaultDownwardAPIItems(volume.downwardAPI);
  if (isObj(volume.projected)) {
    for (const source of objList(volume.projected, "sources")) {
      if (isObj(source.serviceAccountToken)) setIfAbsent(source.serviceAccountToken, "expirationSeconds", 3600);
      if (isObj(source.downwardAPI)) defaultDownwardAPIItems(source.downwardAPI);
    }
  }
  if (isObj(volume.hostPath)) setIfAbsent(volume.hostPath, "type", "");
  if (isObj(volume.ephemeral) && isObj(volume.ephemeral.volumeClaimTemplate)) {
    defaultClaimSpec(ensureObj(volume.ephemeral.volumeClaimTemplate, "spec"));
  }
  if (isObj(volume.image) && str(volume.image.pullPolicy) === "") volume.image.pullPolicy = defaultPullPolicy(str(volume.image.reference));
}

export function defaultClaimSpec(spec: Obj): void {
  setIfAbsent(spec, "volumeMode", "Filesystem");
}

export function defaultPodSpec(spec: Obj): void {
  setIfEmpty(spec, "dnsPolicy", "ClusterFirst");
  setIfEmpty(spec, "restartPolicy", "Always");
  setIfAbsent(spec, "securityContext", {});
  setIfAbsent(spec, "terminationGracePeriodSeconds", 30);
  setIfEmpty(spec, "schedulerName", "default-scheduler");
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    for (const ctr of objList(spec, list)) defaultContainer(ctr);
  }
  for (const volume of objList(spec, "volumes")) defaultVolume(volume);
  // v1 keeps the deprecated `serviceAccount` in step with `serviceAccountName` in both directions.
  if (str(spec.serviceAccountName) === "" && str(spec.serviceAccount) !== "") spec.serviceAccountName = spec.serviceAccount;
  if (str(spec.serviceAccountName) !== "") spec.serviceAccount = spec.serviceAccountName;
}

/** A pod template inside a workload: only PodSpec-level defaults, never the Pod-only ones. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  defaultPodSpec(ensureObj(template, "spec"));
}
