// The restricted checks against upstream's test fixtures (policy/check_*_test.go).

import assert from "node:assert/strict";
import { test } from "node:test";
import { allowPrivilegeEscalationCheck } from "./checks/allow-privilege-escalation";
import { capabilitiesRestrictedCheck } from "./checks/capabilities-restricted";
import { restrictedVolumesCheck } from "./checks/restricted-volumes";
import { runAsNonRootCheck } from "./checks/run-as-non-root";
import { runAsUserCheck } from "./checks/run-as-user";
import { seccompRestrictedCheck } from "./checks/seccomp-restricted";
import { container as c, refuses, run } from "./testing/run-check";

test("restricted volume types: only the eight safe sources", () => {
  assert.ok(
    run(restrictedVolumesCheck, {
      volumes: ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"].map((s, i) => ({ name: `v${i}`, [s]: {} })),
    }).allowed,
  );
  refuses(
    run(restrictedVolumesCheck, {
      volumes: [
        { name: "a", emptyDir: {} },
        { name: "b", hostPath: { path: "/" } },
        { name: "c", nfs: { server: "s", path: "/" } },
        { name: "d", gitRepo: { repository: "r" } },
        { name: "e", hostPath: { path: "/x" } },
        { name: "f" },
      ],
    }),
    "restricted volume types",
    'volumes "b", "c", "d", "e", "f" use restricted volume types "gitRepo", "hostPath", "nfs", "unknown"',
  );
  refuses(run(restrictedVolumesCheck, { volumes: [{ name: "h", hostPath: { path: "/" } }] }), "restricted volume types", 'volume "h" uses restricted volume type "hostPath"');
});

test("allowPrivilegeEscalation != false: every container must say false", () => {
  assert.ok(run(allowPrivilegeEscalationCheck, { containers: [c("a", { allowPrivilegeEscalation: false })] }).allowed);
  refuses(
    run(allowPrivilegeEscalationCheck, { initContainers: [c("i")], containers: [c("a", {}), c("b", { allowPrivilegeEscalation: true }), c("c", { allowPrivilegeEscalation: false })] }),
    "allowPrivilegeEscalation != false",
    'containers "i", "a", "b" must set securityContext.allowPrivilegeEscalation=false',
  );
  const windows = { os: { name: "windows" }, containers: [c("a")] };
  assert.ok(run(allowPrivilegeEscalationCheck, windows).allowed, "Windows pods are exempt from 1.25");
  refuses(run(allowPrivilegeEscalationCheck, windows, {}, 24), "allowPrivilegeEscalation != false", 'container "a" must set securityContext.allowPrivilegeEscalation=false');
});

test("runAsNonRoot != true: explicit false, or neither pod nor container saying true", () => {
  assert.ok(run(runAsNonRootCheck, { securityContext: { runAsNonRoot: true }, containers: [c("a"), c("b", { runAsNonRoot: true })] }).allowed);
  assert.ok(run(runAsNonRootCheck, { containers: [c("a", { runAsNonRoot: true })] }).allowed);
  refuses(
    run(runAsNonRootCheck, { securityContext: { runAsNonRoot: false }, containers: [c("a"), c("b", { runAsNonRoot: false }), c("c", { runAsNonRoot: true })] }),
    "runAsNonRoot != true",
    'pod and container "b" must not set securityContext.runAsNonRoot=false',
  );
  refuses(run(runAsNonRootCheck, { containers: [c("a"), c("b", {}), c("c", { runAsNonRoot: true })] }), "runAsNonRoot != true", 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true');
  refuses(run(runAsNonRootCheck, { securityContext: { runAsNonRoot: true }, containers: [c("a", { runAsNonRoot: false })] }), "runAsNonRoot != true", 'container "a" must not set securityContext.runAsNonRoot=false');
});

test("runAsUser=0: explicit root on the pod or containers, from policy 1.23", () => {
  assert.ok(run(runAsUserCheck, { securityContext: { runAsUser: 1000 }, containers: [c("a"), c("b", { runAsUser: 1 })] }).allowed);
  refuses(
    run(runAsUserCheck, { securityContext: { runAsUser: 0 }, containers: [c("a", { runAsUser: 0 }), c("b", { runAsUser: 1000 }), c("c", { runAsUser: 0 })] }),
    "runAsUser=0",
    'pod and containers "a", "c" must not set runAsUser=0',
  );
  assert.equal(runAsUserCheck.versions[0].since, 23);
});

test("seccompProfile (restricted): RuntimeDefault or Localhost required, on the pod or each container", () => {
  assert.ok(run(seccompRestrictedCheck, { securityContext: { seccompProfile: { type: "RuntimeDefault" } }, containers: [c("a")] }).allowed);
  assert.ok(run(seccompRestrictedCheck, { containers: [c("a", { seccompProfile: { type: "Localhost", localhostProfile: "p" } })] }).allowed);
  refuses(
    run(seccompRestrictedCheck, { securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [c("a"), c("b", { seccompProfile: { type: "Unconfined" } })] }),
    "seccompProfile",
    'pod and container "b" must not set securityContext.seccompProfile.type to "Unconfined"',
  );
  refuses(
    run(seccompRestrictedCheck, { containers: [c("a"), c("b", { seccompProfile: { type: "RuntimeDefault" } }), c("c", {})] }),
    "seccompProfile",
    'pod or containers "a", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
  );
  assert.ok(run(seccompRestrictedCheck, { os: { name: "windows" }, containers: [c("a")] }).allowed);
});

test("unrestricted capabilities: drop ALL, add nothing but NET_BIND_SERVICE", () => {
  assert.ok(run(capabilitiesRestrictedCheck, { containers: [c("a", { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } })] }).allowed);
  refuses(
    run(capabilitiesRestrictedCheck, {
      containers: [c("a"), c("b", { capabilities: {} }), c("c", { capabilities: { drop: ["ALL"], add: ["FOO", "NET_BIND_SERVICE"] } }), c("d", { capabilities: { drop: ["NET_RAW"], add: ["BAR", "FOO"] } })],
    }),
    "unrestricted capabilities",
    'containers "a", "b", "d" must set securityContext.capabilities.drop=["ALL"]; containers "c", "d" must not include "BAR", "FOO" in securityContext.capabilities.add',
  );
  assert.ok(run(capabilitiesRestrictedCheck, { os: { name: "windows" }, containers: [c("a")] }).allowed);
});
