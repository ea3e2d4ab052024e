// Restricted, restrictedVolumes: only volume types that need no node access or that go through
// PersistentVolumes. Allowed: configMap, csi, downwardAPI, emptyDir, ephemeral,
// persistentVolumeClaim, projected, secret. Replaces hostPathVolumes in restricted evaluations.

import { objItems, str, type Obj } from "../../validation/json";
import { ALLOWED, forbid, isSet, joinQuote, pluralize, sortedSet, type Check, type CheckResult } from "../check";
import { HOST_PATH_VOLUMES_ID } from "./host-path-volumes";

const ALLOWED_SOURCES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** The restricted sources upstream names (the Go field order of VolumeSource); else "unknown". */
const NAMED_SOURCES = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume",
  "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
  "portworxVolume", "scaleIO", "storageos",
];

function restrictedVolumes(_metadata: Obj, spec: Obj): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const [volume] of objItems(spec.volumes)) {
    if (ALLOWED_SOURCES.some((s) => isSet(volume[s]))) continue;
    bad.push(str(volume.name));
    types.push(NAMED_SOURCES.find((s) => isSet(volume[s])) ?? "unknown");
  }
  if (bad.length === 0) return ALLOWED;
  const typeList = sortedSet(types);
  return forbid(
    "restricted volume types",
    `${pluralize("volume", "volumes", bad.length)} ${joinQuote(bad)} ${pluralize("uses", "use", bad.length)} ${pluralize("restricted volume type", "restricted volume types", typeList.length)} ${joinQuote(typeList)}`,
  );
}

export const restrictedVolumesCheck: Check = {
  id: "restrictedVolumes",
  level: "restricted",
  versions: [{ since: 0, check: restrictedVolumes, overrides: [HOST_PATH_VOLUMES_ID] }],
};
