import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLevelVersion } from "../../api/pod-security/levels";
import { DEFAULT_POD_SECURITY_POLICY, defaultPodSecurityConfig, parsePodSecurityPolicy } from "./config";

const show = (value: string) => {
  const p = parsePodSecurityPolicy(value);
  return `${formatLevelVersion(p.enforce)} ${formatLevelVersion(p.audit)} ${formatLevelVersion(p.warn)}`;
};

test("--pod-security-default: Gantry's default enforces baseline and warns restricted; kube-system is exempt", () => {
  assert.equal(DEFAULT_POD_SECURITY_POLICY, "enforce=baseline,warn=restricted");
  assert.equal(show(DEFAULT_POD_SECURITY_POLICY), "baseline:latest privileged:latest restricted:latest");
  assert.deepEqual(defaultPodSecurityConfig().exemptions, { usernames: [], runtimeClasses: [], namespaces: ["kube-system"] });
});

test("--pod-security-default: versions, privileged, and bad values named", () => {
  assert.equal(show("enforce=restricted:v1.30, audit=baseline"), "restricted:v1.30 baseline:latest privileged:latest");
  assert.equal(show("privileged"), "privileged:latest privileged:latest privileged:latest");
  assert.throws(() => parsePodSecurityPolicy("enforce=strict"), /"strict" is not a level/);
  assert.throws(() => parsePodSecurityPolicy("enforce=baseline:1.30"), /"1\.30" is not a policy version/);
  assert.throws(() => parsePodSecurityPolicy("deny=baseline"), /"deny=baseline" is not <mode>=<level>/);
  assert.throws(() => parsePodSecurityPolicy("warn=baseline,warn=restricted"), /"warn" is given twice/);
});
