// apps/v1 defaults (SetDefaults_Deployment, _ReplicaSet, _DaemonSet, _StatefulSet) plus the core
// ReplicationController, whose selector and labels fall back to its template's labels.

import { defaultClaimSpec, defaultPodTemplate } from "./pod-spec";
import { type Obj, ensureObj, isObj, objList, setIfAbsent, setIfEmpty, str } from "./util";

export function defaultDeployment(d: Obj): void {
  const spec = ensureObj(d, "spec");
  setIfAbsent(spec, "replicas", 1);
  const strategy = ensureObj(spec, "strategy");
  setIfEmpty(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = ensureObj(strategy, "rollingUpdate");
    setIfAbsent(ru, "maxUnavailable", "25%");
    setIfAbsent(ru, "maxSurge", "25%");
  }
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  setIfAbsent(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: Obj): void {
  const spec = ensureObj(rs, "spec");
  setIfAbsent(spec, "replicas", 1);
  defaultPodTemplate(spec.template);
}

export function defaultReplicationController(rc: Obj): void {
  const spec = ensureObj(rc, "spec");
  const labels = isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = ensureObj(rc, "metadata");
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  setIfAbsent(spec, "replicas", 1);
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(ds: Obj): void {
  const spec = ensureObj(ds, "spec");
  const strategy = ensureObj(spec, "updateStrategy");
  setIfEmpty(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = ensureObj(strategy, "rollingUpdate");
    setIfAbsent(ru, "maxUnavailable", 1);
    setIfAbsent(ru, "maxSurge", 0);
  }
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(spec.template);
}

export function defaultStatefulSet(sts: Obj): void {
  const spec = ensureObj(sts, "spec");
  setIfEmpty(spec, "podManagementPolicy", "OrderedReady");
  const strategy = ensureObj(spec, "updateStrategy");
  if (str(strategy.type) === "") {
    strategy.type = "RollingUpdate";
    setIfAbsent(strategy, "rollingUpdate", {});
  }
  if (strategy.type === "RollingUpdate" && isObj(strategy.rollingUpdate)) setIfAbsent(strategy.rollingUpdate, "partition", 0);
  const retention = ensureObj(spec, "persistentVolumeClaimRetentionPolicy");
  setIfEmpty(retention, "whenDeleted", "Retain");
  setIfEmpty(retention, "whenScaled", "Retain");
  setIfAbsent(spec, "replicas", 1);
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(spec.template);
  // Claim templates are full PersistentVolumeClaims, so they get a claim's defaults and status.
  for (const claim of objList(spec, "volumeClaimTemplates")) {
    defaultClaimSpec(ensureObj(claim, "spec"));
    setIfEmpty(ensureObj(claim, "status"), "phase", "Pending");
  }
}
