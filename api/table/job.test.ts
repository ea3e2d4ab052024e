import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { jobPrinter } from "./job";
import { MINUTE, NOW, SECOND, ago } from "./testing/clock";

function job(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", creationTimestamp: ago(10 * MINUTE), ...meta },
    spec: {
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "5f1c" } },
      template: { spec: { containers: [{ name: "pi", image: "perl:5.34" }], restartPolicy: "Never" } },
      ...spec,
    },
    status,
  };
}
const cells = (j: KubeObject) => jobPrinter.print(j, NOW).cells;
const cond = (type: string, status = "True") => ({ type, status });

test("a completed job: STATUS, COMPLETIONS, DURATION from start to completion", () => {
  const j = job(
    { completions: 1, parallelism: 1 },
    { startTime: ago(10 * MINUTE), completionTime: ago(10 * MINUTE - 42 * SECOND), succeeded: 1, conditions: [cond("SuccessCriteriaMet"), cond("Complete")] },
  );
  assert.deepEqual(cells(j), ["pi", "Complete", "1/1", "42s", "10m", "pi", "perl:5.34", "batch.kubernetes.io/controller-uid=5f1c"]);
  assert.deepEqual(
    jobPrinter.columns.map((c) => c.name),
    ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"],
  );
});

test("a running job measures its duration up to now; an unstarted one leaves it blank", () => {
  assert.deepEqual(cells(job({ completions: 5, parallelism: 2 }, { startTime: ago(3 * MINUTE + 5 * SECOND), succeeded: 2, active: 2 })).slice(1, 4), [
    "Running",
    "2/5",
    "3m5s",
  ]);
  assert.deepEqual(cells(job({}, {})).slice(1, 4), ["Running", "0/1", ""]);
});

test("work-queue jobs without completions show 'of <parallelism>'", () => {
  assert.equal(cells(job({ parallelism: 4 }, { succeeded: 1 }))[2], "1/1 of 4");
  assert.equal(cells(job({ parallelism: 1, completions: null }, { succeeded: 0 }))[2], "0/1");
});

test("status order: Complete, Failed, Terminating, Suspended, FailureTarget, Running", () => {
  const deleting = { deletionTimestamp: ago(0) };
  assert.equal(cells(job({}, { conditions: [cond("FailureTarget"), cond("Failed")] }))[1], "Failed");
  assert.equal(cells(job({}, { conditions: [cond("Complete")] }, deleting))[1], "Complete");
  assert.equal(cells(job({}, { conditions: [cond("Suspended")] }, deleting))[1], "Terminating");
  assert.equal(cells(job({ suspend: true }, { conditions: [cond("Suspended")] }))[1], "Suspended");
  assert.equal(cells(job({}, { conditions: [cond("FailureTarget")] }))[1], "FailureTarget");
  assert.equal(cells(job({}, { conditions: [cond("Complete", "False")] }))[1], "Running");
});
