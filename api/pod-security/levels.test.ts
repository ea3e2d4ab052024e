import assert from "node:assert/strict";
import { test } from "node:test";
import { LATEST, compareLevels, formatLevelVersion, parseVersion, policyFromLabels, type Policy } from "./levels";

const defaults: Policy = {
  enforce: { level: "baseline", version: LATEST },
  audit: { level: "privileged", version: LATEST },
  warn: { level: "restricted", version: LATEST },
};

test("versions: latest or v1.<minor>", () => {
  assert.deepEqual(parseVersion("latest"), LATEST);
  assert.deepEqual(parseVersion("v1.25"), { latest: false, minor: 25 });
  assert.deepEqual(parseVersion("v1.0"), { latest: false, minor: 0 });
  for (const bad of ["1.25", "v1.025", "v2.1", "v1.", "Latest", "v1.25.0"]) assert.equal(parseVersion(bad), undefined, bad);
  assert.equal(formatLevelVersion({ level: "baseline", version: { latest: false, minor: 30 } }), "baseline:v1.30");
});

test("labels override the defaults mode by mode", () => {
  assert.deepEqual(policyFromLabels(undefined, defaults), { policy: defaults, errors: [] });
  const { policy, errors } = policyFromLabels({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/audit-version": "v1.29", app: "x" }, defaults);
  assert.deepEqual(errors, []);
  assert.equal(formatLevelVersion(policy.enforce), "privileged:latest");
  assert.equal(formatLevelVersion(policy.audit), "privileged:v1.29");
  assert.equal(formatLevelVersion(policy.warn), "restricted:latest", "an unlabelled mode keeps its default");
});

test("unparseable labels: reported as field errors; enforce fails closed, warn and audit open", () => {
  const { policy, errors } = policyFromLabels(
    { "pod-security.kubernetes.io/enforce": "strict", "pod-security.kubernetes.io/warn": "loud", "pod-security.kubernetes.io/enforce-version": "1.25" },
    defaults,
  );
  assert.equal(formatLevelVersion(policy.enforce), "restricted:latest");
  assert.equal(policy.warn.level, "privileged");
  assert.deepEqual(
    errors.map((e) => `${e.field}: ${e.message}`),
    [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.25": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted',
    ],
  );
});

test("levels compare by strictness", () => {
  assert.equal(compareLevels("restricted", "baseline"), 1);
  assert.equal(compareLevels("privileged", "baseline"), -1);
  assert.equal(compareLevels("baseline", "baseline"), 0);
});
