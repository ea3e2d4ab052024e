import { test } from "node:test";
import { validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { edit, pod, withResourceVersion } from "./testing/fixtures";
import { UPDATABLE_POD_SPEC_FIELDS } from "./pod";

const old = withResourceVersion(pod({ activeDeadlineSeconds: 100 }));

test("container images may change", () => {
  assertValid(validateUpdate("Pod", edit(old, (o) => (o.spec.containers[0].image = "registry.local/app:2.0")), old));
});

test("other spec changes are forbidden, listing what may change and what did", () => {
  const next = edit(old, (o) => (o.spec.restartPolicy = "Never"));
  const prefix = `Forbidden: pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}`;
  assertCauses(validateUpdate("Pod", next, old), [["spec", `${prefix}\n- restartPolicy: "Always"\n+ restartPolicy: "Never"`]]);
});

test("containers may not be added or removed", () => {
  const next = edit(old, (o) => o.spec.containers.push({ ...o.spec.containers[0], name: "second" }));
  assertCauses(validateUpdate("Pod", next, old), [["spec.containers", "Forbidden: pod updates may not add or remove containers"]]);
});

test("activeDeadlineSeconds may only shrink and never be removed", () => {
  assertValid(validateUpdate("Pod", edit(old, (o) => (o.spec.activeDeadlineSeconds = 50)), old));
  assertCause(validateUpdate("Pod", edit(old, (o) => (o.spec.activeDeadlineSeconds = 200)), old), "spec.activeDeadlineSeconds", "Invalid value: 200: must be less than or equal to previous value");
  assertCause(validateUpdate("Pod", edit(old, (o) => delete o.spec.activeDeadlineSeconds), old), "spec.activeDeadlineSeconds", "Invalid value: null: must not update from a positive integer to nil value");
});

test("tolerations may be added, but existing ones only change tolerationSeconds", () => {
  assertValid(validateUpdate("Pod", edit(old, (o) => o.spec.tolerations.push({ key: "gpu", operator: "Exists", effect: "NoSchedule" })), old));
  assertValid(validateUpdate("Pod", edit(old, (o) => (o.spec.tolerations[0].tolerationSeconds = 10)), old));
  assertCause(
    validateUpdate("Pod", edit(old, (o) => (o.spec.tolerations[0].key = "changed")), old),
    "spec.tolerations",
    "Forbidden: existing toleration can not be modified except its tolerationSeconds",
  );
});

test("scheduling gates may only be removed", () => {
  const gated = withResourceVersion(pod({ schedulingGates: [{ name: "example.com/wait" }] }));
  assertValid(validateUpdate("Pod", edit(gated, (o) => (o.spec.schedulingGates = [])), gated));
  assertCause(
    validateUpdate("Pod", edit(gated, (o) => o.spec.schedulingGates.push({ name: "example.com/more" })), gated),
    "spec.schedulingGates[1].name",
    "Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/more'",
  );
});

test("status updates: node assignment and QoS class are fixed", () => {
  const running = edit(old, (o) => (o.status = { phase: "Running", qosClass: "BestEffort" }));
  const next = edit(running, (o) => {
    o.status.qosClass = "Guaranteed";
    o.status.podIPs = [{ ip: "10.244.1.5" }, { ip: "nope" }];
  });
  const causes = validateUpdate("Pod", next, running, "status");
  assertCause(causes, "status.qosClass", 'Invalid value: "Guaranteed": field is immutable');
  assertCause(causes, "status.podIPs[1]", 'Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
});
