// A Job selects its pods by its own uid, so two Jobs can never adopt each other's pods. Unless
// the user asked for `manualSelector`, create adds `batch.kubernetes.io/controller-uid` and
// `batch.kubernetes.io/job-name` (and their legacy unprefixed twins) to the pod template and
// selects on the uid. Labels the user already set are left alone; validation reports a conflict.

import type { KubeObject } from "../object";
import { isObj } from "../validation/json";
import { deepEqual } from "../validation/field";
import {
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from "../validation/job";

export function generateJobSelector(job: KubeObject): void {
  const spec = isObj(job.spec) ? job.spec : (job.spec = {});
  const s = spec as Record<string, unknown>;
  if (s.manualSelector === true) return;
  const uid = job.metadata.uid ?? "";
  const name = job.metadata.name ?? "";
  const template = isObj(s.template) ? s.template : (s.template = {});
  const tplMeta = isObj(template.metadata) ? template.metadata : (template.metadata = {});
  const before = isObj(tplMeta.labels) ? { ...tplMeta.labels } : {};
  const labels: Record<string, unknown> = { ...before };
  for (const [key, value] of [
    [JOB_CONTROLLER_UID_LABEL, uid],
    [JOB_NAME_LABEL, name],
    [LEGACY_CONTROLLER_UID_LABEL, uid],
    [LEGACY_JOB_NAME_LABEL, name],
  ]) {
    if (!(key in labels)) labels[key] = value;
  }
  tplMeta.labels = labels;
  const selector = isObj(s.selector) ? s.selector : (s.selector = {});
  const matchLabels = isObj(selector.matchLabels) ? selector.matchLabels : (selector.matchLabels = {});
  if (!(JOB_CONTROLLER_UID_LABEL in matchLabels)) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
  // A Job without labels of its own shows its pods' labels, generated ones included.
  const own = job.metadata.labels;
  if (!own || Object.keys(own).length === 0 || deepEqual(own, before)) {
    job.metadata.labels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  }
}
