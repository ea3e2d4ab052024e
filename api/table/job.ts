// `kubectl get jobs`: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR.
//
// STATUS, first match wins: Complete, Failed (from conditions), Terminating (being deleted),
// Suspended, FailureTarget (conditions again), else Running.
// COMPLETIONS: `succeeded/completions`, or `succeeded/1 of <parallelism>` for a work queue.
// DURATION: start to completion, or start to now while running; blank before it starts.

import type { Job, JobCondition } from "kubernetes-types/batch/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { humanDuration } from "./duration";
import { containerCells, count, formatLabelSelector, parseTime, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column("Status", "string", "Status of the job."),
  column(
    "Completions",
    "string",
    "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
  ),
  column("Duration", "string", "Time required to complete the job."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

function hasCondition(conditions: JobCondition[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === "True";
}

function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, "Complete")) return "Complete";
  if (hasCondition(conditions, "Failed")) return "Failed";
  if (job.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(conditions, "Suspended")) return "Suspended";
  if (hasCondition(conditions, "FailureTarget")) return "FailureTarget";
  return "Running";
}

function completions(job: Job): string {
  const succeeded = count(job.status?.succeeded);
  const spec = job.spec;
  // Kubernetes defaults completions and parallelism to 1 when neither is set, and parallelism
  // to 1 when only it is missing; the cell depends on those defaults.
  const wanted = spec?.completions ?? (spec?.parallelism === undefined ? 1 : undefined);
  if (wanted !== undefined) return `${succeeded}/${wanted}`;
  const parallelism = spec?.parallelism ?? 1;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: Job, now: Date): string {
  const start = parseTime(job.status?.startTime);
  if (start === undefined) return "";
  const end = parseTime(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

function print(obj: KubeObject, now: Date): PrintedRow {
  const job = obj as unknown as Job;
  const [names, images] = containerCells(job.spec?.template?.spec?.containers);
  return {
    cells: [
      obj.metadata.name ?? "",
      jobStatus(job),
      completions(job),
      duration(job, now),
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ],
  };
}

export const jobPrinter: KindPrinter = { columns, print };
