import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "./index";

const podTemplate = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "app:1" }] } };
/** What a real cluster shows inside any workload's template (no Pod-only or admission fields). */
const defaultedTemplate = {
  metadata: { labels: { app: "web" } },
  spec: {
    containers: [
      { name: "c", image: "app:1", imagePullPolicy: "IfNotPresent", resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" },
    ],
    dnsPolicy: "ClusterFirst",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    securityContext: {},
    terminationGracePeriodSeconds: 30,
  },
};

test("deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600, template defaults", () => {
  const d = applyDefaults("Deployment", { kind: "Deployment", metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: podTemplate } });
  assert.deepEqual(d.spec, {
    selector: { matchLabels: { app: "web" } },
    template: defaultedTemplate,
    replicas: 1,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });
  const recreate = applyDefaults("Deployment", { kind: "Deployment", metadata: { name: "w" }, spec: { strategy: { type: "Recreate" }, replicas: 0 } });
  assert.deepEqual((recreate.spec as Record<string, unknown>).strategy, { type: "Recreate" });
  assert.equal((recreate.spec as Record<string, unknown>).replicas, 0);
});

test("replicaset and replication controller", () => {
  const rs = applyDefaults("ReplicaSet", { kind: "ReplicaSet", metadata: { name: "rs" }, spec: { template: podTemplate } });
  assert.equal((rs.spec as Record<string, unknown>).replicas, 1);
  const rc = applyDefaults("ReplicationController", { kind: "ReplicationController", metadata: { name: "rc" }, spec: { template: podTemplate } });
  assert.deepEqual((rc.spec as Record<string, unknown>).selector, { app: "web" });
  assert.deepEqual(rc.metadata.labels, { app: "web" });
});

test("daemonset: RollingUpdate maxUnavailable 1, maxSurge 0, history 10", () => {
  const ds = applyDefaults("DaemonSet", { kind: "DaemonSet", metadata: { name: "ds" }, spec: { template: podTemplate } });
  const spec = ds.spec as Record<string, unknown>;
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepEqual(spec.template, defaultedTemplate);
});

test("statefulset: OrderedReady, RollingUpdate partition 0, Retain claims, claim template defaults", () => {
  const sts = applyDefaults("StatefulSet", {
    kind: "StatefulSet",
    metadata: { name: "db" },
    spec: { serviceName: "db", template: podTemplate, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }] },
  });
  const spec = sts.spec as Record<string, unknown>;
  assert.equal(spec.podManagementPolicy, "OrderedReady");
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepEqual(spec.volumeClaimTemplates, [
    { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], volumeMode: "Filesystem" }, status: { phase: "Pending" } },
  ]);
  const onDelete = applyDefaults("StatefulSet", { kind: "StatefulSet", metadata: { name: "db" }, spec: { updateStrategy: { type: "OnDelete" } } });
  assert.deepEqual((onDelete.spec as Record<string, unknown>).updateStrategy, { type: "OnDelete" });
});

test("job: one completion, backoffLimit 6, NonIndexed, not suspended, labels from the template", () => {
  const job = applyDefaults("Job", { kind: "Job", metadata: { name: "pi" }, spec: { template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: "Never" } } } });
  const spec = job.spec as Record<string, unknown>;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, "NonIndexed");
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, "TerminatingOrFailed");
  assert.deepEqual(job.metadata.labels, { app: "web" });
  const parallel = applyDefaults("Job", { kind: "Job", metadata: { name: "p" }, spec: { parallelism: 3, backoffLimitPerIndex: 1, podFailurePolicy: { rules: [] } } });
  const ps = parallel.spec as Record<string, unknown>;
  assert.equal(ps.completions, undefined);
  assert.equal(ps.backoffLimit, 2147483647);
  assert.equal(ps.podReplacementPolicy, "Failed");
});

test("cronjob: Allow, not suspended, history 3 and 1; only the pod template below is defaulted", () => {
  const cj = applyDefaults("CronJob", { kind: "CronJob", metadata: { name: "n" }, spec: { schedule: "@daily", jobTemplate: { spec: { template: podTemplate } } } });
  const spec = cj.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(spec.concurrencyPolicy, "Allow");
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.deepEqual(spec.jobTemplate.spec.template, defaultedTemplate);
  assert.equal(spec.jobTemplate.spec.backoffLimit, undefined);
});

test("HPA: minReplicas 1, CPU 80% when no metrics, behavior filled only when present", () => {
  const hpa = applyDefaults("HorizontalPodAutoscaler", { kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 5 } });
  const spec = hpa.spec as Record<string, unknown>;
  assert.equal(spec.minReplicas, 1);
  assert.deepEqual(spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
  assert.equal(spec.behavior, undefined);
  const withBehavior = applyDefaults("HorizontalPodAutoscaler", {
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "h" },
    spec: { maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
  });
  assert.deepEqual((withBehavior.spec as Record<string, unknown>).behavior, {
    scaleDown: { selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: "Max",
      policies: [
        { type: "Pods", value: 4, periodSeconds: 15 },
        { type: "Percent", value: 100, periodSeconds: 15 },
      ],
    },
  });
});

test("HPA in autoscaling/v1 shape only gets minReplicas", () => {
  const v1 = applyDefaults("HorizontalPodAutoscaler", { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 5 } });
  assert.deepEqual(v1.spec, { maxReplicas: 5, minReplicas: 1 });
});
