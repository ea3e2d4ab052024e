// Ephemeral containers: upstream's field paths and messages for what `kubectl debug` may add,
// and the pods/ephemeralcontainers write rules (add only; never change or remove).

import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults } from "../defaults";
import type { KubeObject } from "../object";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { edit, pod, withResourceVersion, type Loose } from "./testing/fixtures";

const running = withResourceVersion(pod());
/** kubectl debug's container: stdin, tty, the File message policy, a target. */
const debugger0 = (extra: Loose = {}): Loose => ({ name: "debugger-abc", image: "busybox", stdin: true, tty: true, terminationMessagePolicy: "File", targetContainerName: "app", ...extra });
const withEphemeral = (base: KubeObject, ...containers: Loose[]): KubeObject =>
  applyDefaults("Pod", edit(base, (o) => (o.spec.ephemeralContainers = [...(o.spec.ephemeralContainers ?? []), ...containers])));
const addEphemeral = (...containers: Loose[]) => validateUpdate("Pod", withEphemeral(running, ...containers), running, "ephemeralcontainers");

test("kubectl debug's container (with --target) may be added to a running pod", () => {
  assertValid(addEphemeral(debugger0()));
  assertValid(addEphemeral(debugger0({ targetContainerName: undefined })));
  // An empty resources struct is what kubectl sends and what defaults add: unset, not forbidden.
  assertValid(addEphemeral(debugger0({ resources: {} })));
});

test("ports, probes, lifecycle, resources and restart/resize policies cannot be set", () => {
  const causes = addEphemeral(
    debugger0({
      ports: [{ containerPort: 8080 }],
      resources: { limits: { cpu: "1" } },
      resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
      restartPolicy: "Always",
      livenessProbe: { exec: { command: ["true"] } },
      readinessProbe: { exec: { command: ["true"] } },
      startupProbe: { exec: { command: ["true"] } },
      lifecycle: { preStop: { exec: { command: ["true"] } } },
    }),
  );
  for (const f of ["ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"]) {
    assertCause(causes, `spec.ephemeralContainers[0].${f}`, "Forbidden: cannot be set for an Ephemeral Container", "FieldValueForbidden");
  }
});

test("names are unique across regular, init and ephemeral containers; the target must be a non-ephemeral container", () => {
  const withInit = withResourceVersion(pod({ initContainers: [{ name: "setup", image: "busybox" }] }));
  const next = withEphemeral(withInit, debugger0({ name: "app" }), debugger0({ name: "setup" }), debugger0({ name: "dbg" }), debugger0({ name: "dbg" }), debugger0({ name: "x", targetContainerName: "dbg" }));
  const causes = validateUpdate("Pod", next, withInit, "ephemeralcontainers");
  assertCause(causes, "spec.ephemeralContainers[0].name", 'Duplicate value: "app"', "FieldValueDuplicate");
  assertCause(causes, "spec.ephemeralContainers[1].name", 'Duplicate value: "setup"');
  assertCause(causes, "spec.ephemeralContainers[3].name", 'Duplicate value: "dbg"');
  assertCause(causes, "spec.ephemeralContainers[4].targetContainerName", 'Not found: "dbg"', "FieldValueNotFound");
  assertCause(addEphemeral(debugger0({ targetContainerName: "nope" })), "spec.ephemeralContainers[0].targetContainerName", 'Not found: "nope"');
});

test("the rules every container has apply: a DNS-label name, an image, mounts of declared volumes, no subPath", () => {
  const causes = addEphemeral(
    debugger0({ name: "Debug_1", image: " busybox ", volumeMounts: [{ name: "missing", mountPath: "/x" }, { name: "missing", mountPath: "/y", subPath: "a", subPathExpr: "$(B)" }] }),
  );
  assertCause(causes, "spec.ephemeralContainers[0].name", `Invalid value: "Debug_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
  assertCause(causes, "spec.ephemeralContainers[0].image", 'Invalid value: " busybox ": must not have leading or trailing whitespace');
  assertCause(causes, "spec.ephemeralContainers[0].volumeMounts[0].name", 'Not found: "missing"');
  assertCause(causes, "spec.ephemeralContainers[0].volumeMounts[1].subPath", "Forbidden: cannot be set for an Ephemeral Container");
  assertCause(causes, "spec.ephemeralContainers[0].volumeMounts[1].subPathExpr", "Forbidden: cannot be set for an Ephemeral Container");
  assertCause(addEphemeral(debugger0({ image: "" })), "spec.ephemeralContainers[0].image", "Required value");
});

test("existing ephemeral containers may not be changed or removed; more may be added", () => {
  const one = withEphemeral(running, debugger0());
  assertValid(validateUpdate("Pod", withEphemeral(one, debugger0({ name: "debugger-2" })), one, "ephemeralcontainers"));
  assertCauses(validateUpdate("Pod", edit(one, (o) => (o.spec.ephemeralContainers = [])), one, "ephemeralcontainers"), [
    ["spec.ephemeralContainers", 'Forbidden: existing ephemeral containers "debugger-abc" may not be removed\n'],
  ]);
  assertCauses(validateUpdate("Pod", edit(one, (o) => (o.spec.ephemeralContainers[0].image = "busybox:2")), one, "ephemeralcontainers"), [
    ["spec.ephemeralContainers", 'Forbidden: existing ephemeral containers "debugger-abc" may not be changed\n- image: "busybox"\n+ image: "busybox:2"'],
  ]);
  // Order does not matter (patches do not keep it).
  const two = withEphemeral(one, debugger0({ name: "debugger-2" }));
  assertValid(validateUpdate("Pod", edit(two, (o) => o.spec.ephemeralContainers.reverse()), two, "ephemeralcontainers"));
});

test("static pods take no ephemeral containers; the main resource and create still refuse them", () => {
  const mirror = withResourceVersion(pod({ nodeName: "n1" }, { annotations: { "kubernetes.io/config.mirror": "abc" } }));
  assertCauses(validateUpdate("Pod", withEphemeral(mirror, debugger0()), mirror, "ephemeralcontainers"), [["", "Forbidden: static pods do not support ephemeral containers"]]);
  const viaMain = validateUpdate("Pod", withEphemeral(running, debugger0()), running);
  assert.ok(viaMain.some((c) => c.field === "spec" && c.message?.startsWith("Forbidden: pod updates may not change fields other than")), JSON.stringify(viaMain));
});

test("an ephemeral container's status may not leave the terminated state", () => {
  const status = (state: Loose): Loose => ({ phase: "Running", ephemeralContainerStatuses: [{ name: "debugger-abc", state, ready: false, restartCount: 0, image: "busybox", imageID: "" }] });
  const done = edit(withEphemeral(running, debugger0()), (o) => (o.status = status({ terminated: { exitCode: 0 } })));
  assertCause(validateUpdate("Pod", edit(done, (o) => (o.status = status({ running: {} }))), done, "status"), "status.ephemeralContainerStatuses[0].state", "Forbidden: may not be transitioned to non-terminated state");
  const live = edit(done, (o) => (o.status = status({ running: {} })));
  assertValid(validateUpdate("Pod", edit(live, (o) => (o.status = status({ terminated: { exitCode: 0 } }))), live, "status"));
  assertCause(validateCreate("Pod", withEphemeral(pod(), debugger0())), "spec.ephemeralContainers", "Forbidden: cannot be set on create");
});
