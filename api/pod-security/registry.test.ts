import assert from "node:assert/strict";
import { test } from "node:test";
import { LATEST, type LevelVersion } from "./levels";
import { checksFor, evaluatePod, forbiddenDetails, forbiddenReasons } from "./registry";

const at = (level: LevelVersion["level"], minor?: number): LevelVersion => ({ level, version: minor === undefined ? LATEST : { latest: false, minor } });

const rootPod = { containers: [{ name: "c", image: "busybox" }] };
const privilegedHostPath = {
  containers: [{ name: "c", image: "busybox", securityContext: { privileged: true }, volumeMounts: [{ name: "h", mountPath: "/h" }] }],
  volumes: [{ name: "h", hostPath: { path: "/" } }],
};

test("privileged runs no checks; baseline the baseline checks in id order", () => {
  assert.deepEqual(checksFor(at("privileged")), []);
  assert.deepEqual(
    checksFor(at("baseline")).map((c) => c.id),
    ["appArmorProfile", "capabilities_baseline", "hostNamespaces", "hostPathVolumes", "hostPorts", "privileged", "procMount", "seLinuxOptions", "seccompProfile_baseline", "sysctls", "windowsHostProcess"],
  );
});

test("restricted: the baseline checks no restricted check replaces, then the restricted checks", () => {
  assert.deepEqual(
    checksFor(at("restricted")).map((c) => c.id),
    [
      "appArmorProfile", "hostNamespaces", "hostPorts", "privileged", "procMount", "seLinuxOptions", "sysctls", "windowsHostProcess",
      "allowPrivilegeEscalation", "capabilities_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
    ],
  );
  // Before 1.19 the restricted seccomp check does not exist, so the baseline one still runs;
  // before 1.23 there is no runAsUser check.
  const old = checksFor(at("restricted", 18)).map((c) => c.id);
  assert.ok(old.includes("seccompProfile_baseline") && !old.includes("seccompProfile_restricted") && !old.includes("runAsUser"));
  assert.deepEqual(checksFor(at("restricted", 40)).map((c) => c.id), checksFor(at("restricted")).map((c) => c.id), "newer versions evaluate as the newest known");
});

test("a root pod with no securityContext passes baseline and fails restricted with upstream's words", () => {
  assert.ok(evaluatePod(at("baseline"), {}, rootPod).allowed);
  const e = evaluatePod(at("restricted"), {}, rootPod);
  assert.equal(e.allowed, false);
  assert.equal(
    forbiddenDetails(e),
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.equal(forbiddenReasons(e), "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile");
});

test("a privileged hostPath pod: each failing check with its detail", () => {
  const e = evaluatePod(at("baseline"), {}, privilegedHostPath);
  assert.equal(forbiddenDetails(e), 'hostPath volumes (volume "h"), privileged (container "c" must not set securityContext.privileged=true)');
  const r = evaluatePod(at("restricted"), {}, privilegedHostPath);
  assert.ok(r.failures.some((f) => f.id === "restrictedVolumes") && !r.failures.some((f) => f.id === "hostPathVolumes"), "restricted volume types replaces hostPath volumes");
});

test("a pod that meets restricted passes every level", () => {
  const spec = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "c", image: "i", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    volumes: [{ name: "s", secret: { secretName: "x" } }],
  };
  for (const level of ["privileged", "baseline", "restricted"] as const) assert.ok(evaluatePod(at(level), {}, spec).allowed, level);
});
