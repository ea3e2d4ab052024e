import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { cronJobPrinter } from "./cronjob";
import { DAY, MINUTE, NOW, ago } from "./testing/clock";

function cronJob(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "backup", creationTimestamp: ago(9 * DAY) },
    spec: {
      schedule: "*/5 * * * *",
      jobTemplate: { spec: { template: { spec: { containers: [{ name: "backup", image: "restic:0.17" }], restartPolicy: "OnFailure" } } } },
      ...spec,
    },
    status,
  };
}

test("a cron job: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, then the job template", () => {
  const cj = cronJob(
    { timeZone: "Europe/Paris", suspend: false },
    { active: [{ kind: "Job", name: "backup-29145600" }], lastScheduleTime: ago(4 * MINUTE) },
  );
  assert.deepEqual(cronJobPrinter.print(cj, NOW).cells, ["backup", "*/5 * * * *", "Europe/Paris", "False", 1, "4m", "9d", "backup", "restic:0.17", "<none>"]);
  assert.deepEqual(
    cronJobPrinter.columns.map((c) => `${c.name}:${c.type}:${c.priority}`),
    [
      "Name:string:0",
      "Schedule:string:0",
      "Timezone:string:0",
      "Suspend:boolean:0",
      "Active:integer:0",
      "Last Schedule:string:0",
      "Age:string:0",
      "Containers:string:1",
      "Images:string:1",
      "Selector:string:1",
    ],
  );
});

test("a suspended cron job that never ran, without a time zone", () => {
  assert.deepEqual(cronJobPrinter.print(cronJob({ suspend: true }, {}), NOW).cells.slice(1, 6), ["*/5 * * * *", "<none>", "True", 0, "<none>"]);
  assert.equal(cronJobPrinter.print(cronJob({}, {}), NOW).cells[3], "False");
});
