import { test } from "node:test";
import assert from "node:assert/strict";
import { cronScheduleError } from "./cron-schedule";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { cronJob, edit, job, withResourceVersion } from "./testing/fixtures";

test("cron schedules: five fields, ranges, steps, names and descriptors", () => {
  for (const ok of ["*/5 * * * *", "0 3 * * mon-fri", "0 0 1 jan,jul *", "15 10 ? * SUN", "@daily", "@every 1h30m", "TZ=UTC 0 0 * * *", "0-59/15 0-23 1-31 1-12 0-6"]) {
    assert.equal(cronScheduleError(ok), undefined, ok);
  }
  assert.equal(cronScheduleError(""), "empty spec string");
  assert.equal(cronScheduleError("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
  assert.equal(cronScheduleError("60 * * * *"), "end of range (60) above maximum (59): 60");
  assert.equal(cronScheduleError("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
  assert.equal(cronScheduleError("* * * * 7"), "end of range (7) above maximum (6): 7");
  assert.equal(cronScheduleError("5-1 * * * *"), "beginning of range (5) beyond end of range (1): 5-1");
  assert.equal(cronScheduleError("*/0 * * * *"), "step of range should be a positive number: */0");
  assert.equal(cronScheduleError("1-2-3 * * * *"), "too many hyphens: 1-2-3");
  assert.equal(cronScheduleError("x * * * *"), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError("@fortnightly"), "unrecognized descriptor: @fortnightly");
  assert.equal(cronScheduleError("@every 5"), 'failed to parse duration @every 5: time: missing unit in duration "5"');
  assert.equal(cronScheduleError("TZ=Mars/Olympus 0 0 * * *"), "provided bad location Mars/Olympus: unknown time zone Mars/Olympus");
});

test("cronjob: schedule, concurrencyPolicy, job template and name length", () => {
  assertValid(validateCreate("CronJob", cronJob()));
  const bad = edit(cronJob(), (o) => {
    o.spec.schedule = "not a schedule";
    o.spec.concurrencyPolicy = "Sometimes";
    o.spec.jobTemplate.spec.template.spec.restartPolicy = "Always";
    o.spec.jobTemplate.spec.selector = { matchLabels: { a: "b" } };
    o.metadata.name = "n".repeat(53);
  });
  const causes = validateCreate("CronJob", bad);
  assertCause(causes, "spec.schedule", 'Invalid value: "not a schedule": expected exactly 5 fields, found 3: [not a schedule]');
  assertCause(causes, "spec.concurrencyPolicy", 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"');
  assertCause(causes, "spec.jobTemplate.spec.template.spec.restartPolicy", 'Required value: valid values: "OnFailure", "Never"');
  assertCause(causes, "spec.jobTemplate.spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated');
  assertCause(causes, "metadata.name", `Invalid value: "${"n".repeat(53)}": must be no more than 52 characters`);
  const tz = edit(cronJob(), (o) => (o.spec.timeZone = "Local"));
  assertCause(validateCreate("CronJob", tz), "spec.timeZone", 'Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones');
});

test("job: generated selector and labels must be the job's own", () => {
  assertValid(validateCreate("Job", job()));
  const wrong = edit(job(), (o) => (o.spec.template.metadata.labels["batch.kubernetes.io/controller-uid"] = "someone-else"));
  const causes = validateCreate("Job", wrong);
  assertCause(
    causes,
    "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
    `Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"someone-else", "batch.kubernetes.io/job-name":"pi", "controller-uid":"6b1c2e7e-0000-4000-8000-000000000001", "job-name":"pi"}: must be '6b1c2e7e-0000-4000-8000-000000000001'`,
  );
  assertCause(causes, "spec.template.metadata.labels", `Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"someone-else", "batch.kubernetes.io/job-name":"pi", "controller-uid":"6b1c2e7e-0000-4000-8000-000000000001", "job-name":"pi"}: \`selector\` does not match template \`labels\``);
});

test("job: counts non-negative, restartPolicy OnFailure or Never, Indexed needs completions", () => {
  const bad = edit(job({ parallelism: -1, backoffLimit: -2, completionMode: "Indexed" }), (o) => {
    delete o.spec.completions;
    o.spec.template.spec.restartPolicy = "Always";
  });
  const causes = validateCreate("Job", bad);
  assertCause(causes, "spec.parallelism", "Invalid value: -1: must be greater than or equal to 0");
  assertCause(causes, "spec.backoffLimit", "Invalid value: -2: must be greater than or equal to 0");
  assertCause(causes, "spec.completions", "Required value: when completion mode is Indexed");
  assertCause(causes, "spec.template.spec.restartPolicy", 'Required value: valid values: "OnFailure", "Never"');
});

test("job updates: template, selector and completions are fixed", () => {
  const old = withResourceVersion(job());
  assertValid(validateUpdate("Job", edit(old, (o) => (o.spec.suspend = true)), old));
  const next = edit(old, (o) => {
    o.spec.completions = 3;
    o.spec.template.spec.containers[0].image = "other:1";
  });
  const causes = validateUpdate("Job", next, old);
  assertCause(causes, "spec.completions", "Invalid value: 3: field is immutable");
  assert.ok(causes.some((c) => c.field === "spec.template" && c.message.endsWith(": field is immutable")));
  assertCauses(validateUpdate("Job", edit(old, (o) => (o.spec.parallelism = 2)), old), []);
});
