// `kubectl get cronjobs`: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE
// | CONTAINERS IMAGES SELECTOR.

import type { CronJob } from "kubernetes-types/batch/v1";
import type { KubeObject } from "../object";
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, wide } from "./columns";
import { containerCells, formatLabelSelector, since } from "./format";
import type { KindPrinter, PrintedRow } from "./types";

const columns = [
  NAME_COLUMN,
  column("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
  column(
    "Timezone",
    "string",
    "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
  ),
  column(
    "Suspend",
    "boolean",
    "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
  ),
  column("Active", "integer", "A list of pointers to currently running jobs."),
  column("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  wide(
    "Selector",
    "string",
    "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  ),
];

function print(obj: KubeObject, now: Date): PrintedRow {
  const cj = obj as unknown as CronJob;
  const jobSpec = cj.spec?.jobTemplate?.spec;
  const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
  const last = cj.status?.lastScheduleTime;
  // suspend defaults to false; Kubernetes prints the defaulted value, so `False`, not `<unset>`.
  const suspend = cj.spec?.suspend ?? false;
  return {
    cells: [
      obj.metadata.name ?? "",
      cj.spec?.schedule ?? "",
      cj.spec?.timeZone ?? "<none>",
      suspend ? "True" : "False",
      (cj.status?.active ?? []).length,
      last ? since(last, now) : "<none>",
      since(obj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ],
  };
}

export const cronJobPrinter: KindPrinter = { columns, print };
