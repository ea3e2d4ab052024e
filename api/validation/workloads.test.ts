import { test } from "node:test";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { daemonSet, deployment, edit, replicaSet, statefulSet, template, withResourceVersion } from "./testing/fixtures";

test("defaulted workloads are valid", () => {
  assertValid(validateCreate("Deployment", deployment()));
  assertValid(validateCreate("ReplicaSet", replicaSet()));
  assertValid(validateCreate("DaemonSet", daemonSet()));
  assertValid(validateCreate("StatefulSet", statefulSet()));
});

test("a deployment whose selector does not match its template labels", () => {
  const d = deployment({ template: template({ app: "other" }) });
  assertCauses(validateCreate("Deployment", d), [
    ["spec.template.metadata.labels", 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'],
  ]);
});

test("a deployment without a selector gets both Kubernetes errors", () => {
  const d = edit(deployment(), (o) => delete o.spec.selector);
  assertCauses(validateCreate("Deployment", d), [
    ["spec.selector", "Required value"],
    ["spec.template.metadata.labels", 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
  ]);
});

test("empty and malformed selectors", () => {
  const empty = deployment({ selector: {} });
  assertCause(validateCreate("Deployment", empty), "spec.selector", "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment");
  const bad = deployment({ selector: { matchExpressions: [{ key: "app", operator: "In", values: [] }] } });
  const causes = validateCreate("Deployment", bad);
  assertCause(causes, "spec.selector.matchExpressions[0].values", "Required value: must be specified when `operator` is 'In' or 'NotIn'");
  assertCause(causes, "spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{}}}}: invalid label selector');
  const op = deployment({ selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "Maybe" }] } });
  assertCause(validateCreate("Deployment", op), "spec.selector.matchExpressions[0].operator", 'Invalid value: "Maybe": not a valid selector operator');
});

test("replicas are non-negative; strategy knobs are checked", () => {
  const d = deployment({ replicas: -1, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "0%" } } });
  const causes = validateCreate("Deployment", d);
  assertCause(causes, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0");
  assertCause(causes, "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 0: may not be 0 when `maxSurge` is 0");
  const pct = deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "150%", maxSurge: "x" } } });
  const pc = validateCreate("Deployment", pct);
  assertCause(pc, "spec.strategy.rollingUpdate.maxUnavailable", "Invalid value: 150%: must not be greater than 100%");
  assertCause(pc, "spec.strategy.rollingUpdate.maxSurge", "Invalid value: x: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
  const recreate = deployment({ strategy: { type: "Recreate", rollingUpdate: {} } });
  assertCause(validateCreate("Deployment", recreate), "spec.strategy.rollingUpdate", "Forbidden: may not be specified when strategy `type` is 'Recreate'");
  const unknown = deployment({ strategy: { type: "BlueGreen" } });
  assertCause(validateCreate("Deployment", unknown), "spec.strategy", 'Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"');
  const deadline = deployment({ minReadySeconds: 600 });
  assertCause(validateCreate("Deployment", deadline), "spec.progressDeadlineSeconds", "Invalid value: 600: must be greater than minReadySeconds");
});

test("controller templates must restart Always and have no deadline", () => {
  const d = deployment({ template: template({ app: "web" }, { restartPolicy: "Never", activeDeadlineSeconds: 5 }) });
  const causes = validateCreate("Deployment", d);
  assertCause(causes, "spec.template.spec.restartPolicy", 'Unsupported value: "Never": supported values: "Always"');
  assertCause(causes, "spec.template.spec.activeDeadlineSeconds", "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported");
  const missingImage = edit(deployment(), (o) => delete o.spec.template.spec.containers[0].image);
  assertCauses(validateCreate("Deployment", missingImage), [["spec.template.spec.containers[0].image", "Required value"]]);
});

test("apps/v1 selectors are immutable", () => {
  const old = withResourceVersion(deployment());
  const next = edit(old, (o) => {
    o.spec.selector = { matchLabels: { app: "web", tier: "fe" } };
    o.spec.template.metadata.labels.tier = "fe";
  });
  assertCauses(validateUpdate("Deployment", next, old), [
    ["spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
  ]);
  const rs = withResourceVersion(replicaSet());
  assertCause(validateUpdate("ReplicaSet", edit(rs, (o) => (o.spec.selector.matchLabels.app = "x")), rs), "spec.selector", 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  assertValid(validateUpdate("Deployment", edit(old, (o) => (o.spec.replicas = 5)), old));
});

test("daemonset rolling update needs exactly one of maxUnavailable and maxSurge", () => {
  const both = daemonSet({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } });
  assertCause(validateCreate("DaemonSet", both), "spec.updateStrategy.rollingUpdate.maxSurge", "Invalid value: 1: may not be set when maxUnavailable is non-zero");
  const none = daemonSet({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } });
  assertCause(validateCreate("DaemonSet", none), "spec.updateStrategy.rollingUpdate.maxUnavailable", "Required value: cannot be 0 when maxSurge is 0");
  const mismatch = daemonSet({ template: template({ app: "x" }) });
  assertCause(validateCreate("DaemonSet", mismatch), "spec.template.metadata.labels", 'Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`');
});

test("statefulset: DNS-label name, policies, claim templates count as volumes, limited updates", () => {
  const named = edit(statefulSet(), (o) => (o.metadata.name = "db.main"));
  assertCause(validateCreate("StatefulSet", named), "metadata.name", 'Invalid value: "db.main": must not contain dots');
  const bad = statefulSet({ podManagementPolicy: "Random", updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } });
  const causes = validateCreate("StatefulSet", bad);
  assertCause(causes, "spec.podManagementPolicy", "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'");
  assertCause(causes, "spec.updateStrategy.rollingUpdate", 'Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\'');
  const claims = edit(statefulSet({ volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }] }), (o) => {
    o.spec.template.spec.containers[0].volumeMounts = [{ name: "data", mountPath: "/var/lib/db" }];
  });
  assertValid(validateCreate("StatefulSet", claims));
  const old = withResourceVersion(statefulSet());
  assertValid(validateUpdate("StatefulSet", edit(old, (o) => (o.spec.replicas = 3)), old));
  assertCauses(validateUpdate("StatefulSet", edit(old, (o) => (o.spec.serviceName = "other")), old), [
    ["spec", "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
  ]);
});

test("replication controllers use a plain map selector", () => {
  const rc = {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: "rc", namespace: "default" },
    spec: { replicas: 1, selector: { app: "a" }, template: template({ app: "b" }, { restartPolicy: "Always", dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30 }) },
  };
  const causes = validateCreate("ReplicationController", rc);
  assertCause(causes, "spec.template.metadata.labels", 'Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`');
});

test("workload status counters may not be negative", () => {
  const old = withResourceVersion(deployment());
  const next = edit(old, (o) => (o.status = { replicas: -1 }));
  assertCauses(validateUpdate("Deployment", next, old, "status"), [["status.replicas", "Invalid value: -1: must be greater than or equal to 0"]]);
});
