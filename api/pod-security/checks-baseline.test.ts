// The baseline checks against upstream's test fixtures (policy/check_*_test.go): what passes,
// what fails, and the exact reason and detail each failure is worded with.

import assert from "node:assert/strict";
import { test } from "node:test";
import { appArmorProfileCheck } from "./checks/app-armor";
import { capabilitiesBaselineCheck } from "./checks/capabilities-baseline";
import { hostNamespacesCheck } from "./checks/host-namespaces";
import { hostPathVolumesCheck } from "./checks/host-path-volumes";
import { hostPortsCheck } from "./checks/host-ports";
import { privilegedCheck } from "./checks/privileged";
import { procMountCheck } from "./checks/proc-mount";
import { seccompBaselineCheck } from "./checks/seccomp-baseline";
import { seLinuxOptionsCheck } from "./checks/selinux";
import { sysctlsCheck } from "./checks/sysctls";
import { windowsHostProcessCheck } from "./checks/windows-host-process";
import { container as c, refuses, run, type Json } from "./testing/run-check";

test("hostProcess: the pod and containers setting windowsOptions.hostProcess=true", () => {
  assert.ok(run(windowsHostProcessCheck, { containers: [c("a", { windowsOptions: { hostProcess: false } })] }).allowed);
  refuses(
    run(windowsHostProcessCheck, {
      securityContext: { windowsOptions: { hostProcess: true } },
      containers: [c("a", { windowsOptions: { hostProcess: true } }), c("b", { windowsOptions: { hostProcess: true } }), c("c")],
    }),
    "hostProcess",
    'pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true',
  );
  refuses(run(windowsHostProcessCheck, { initContainers: [c("i", { windowsOptions: { hostProcess: true } })] }), "hostProcess", 'container "i" must not set securityContext.windowsOptions.hostProcess=true');
});

test("host namespaces: hostNetwork, hostPID and hostIPC in that order", () => {
  assert.ok(run(hostNamespacesCheck, { hostNetwork: false, containers: [c("a")] }).allowed);
  refuses(run(hostNamespacesCheck, { hostNetwork: true, hostIPC: true, hostPID: true }), "host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true");
  refuses(run(hostNamespacesCheck, { hostIPC: true }), "host namespaces", "hostIPC=true");
});

test("privileged: every kind of container", () => {
  assert.ok(run(privilegedCheck, { containers: [c("a", { privileged: false }), c("b", {})] }).allowed);
  refuses(run(privilegedCheck, { containers: [c("c", { privileged: true })] }), "privileged", 'container "c" must not set securityContext.privileged=true');
  refuses(
    run(privilegedCheck, { initContainers: [c("i", { privileged: true })], containers: [c("a", { privileged: true }), c("b")], ephemeralContainers: [c("e", { privileged: true })] }),
    "privileged",
    'containers "i", "a", "e" must not set securityContext.privileged=true',
  );
});

test("non-default capabilities: anything beyond the runtime's default set", () => {
  assert.ok(run(capabilitiesBaselineCheck, { containers: [c("a", { capabilities: { add: ["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"], drop: ["ALL"] } })] }).allowed);
  refuses(
    run(capabilitiesBaselineCheck, { containers: [c("a", { capabilities: { add: ["FOO", "BAR"] } }), c("b", { capabilities: { add: ["BAR", "BAZ", "CHOWN"] } }), c("c", { capabilities: { add: ["CHOWN"] } })] }),
    "non-default capabilities",
    'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add',
  );
  refuses(run(capabilitiesBaselineCheck, { containers: [c("a", { capabilities: { add: ["NET_RAW"] } })] }), "non-default capabilities", 'container "a" must not include "NET_RAW" in securityContext.capabilities.add');
});

test("hostPath volumes: named in pod order", () => {
  assert.ok(run(hostPathVolumesCheck, { volumes: [{ name: "e", emptyDir: {} }] }).allowed);
  refuses(run(hostPathVolumesCheck, { volumes: [{ name: "h", hostPath: { path: "/" } }] }), "hostPath volumes", 'volume "h"');
  refuses(
    run(hostPathVolumesCheck, { volumes: [{ name: "b", hostPath: { path: "/a" } }, { name: "x", emptyDir: {} }, { name: "a", hostPath: { path: "/b" } }] }),
    "hostPath volumes",
    'volumes "b", "a"',
  );
});

test("hostPort: containers and ports, the ports sorted as text", () => {
  assert.ok(run(hostPortsCheck, { containers: [{ name: "a", ports: [{ containerPort: 80, hostPort: 0 }] }] }).allowed);
  refuses(run(hostPortsCheck, { containers: [{ name: "a", ports: [{ hostPort: 0 }] }, { name: "b", ports: [{ hostPort: 0 }, { hostPort: 20 }] }] }), "hostPort", 'container "b" uses hostPort 20');
  refuses(
    run(hostPortsCheck, { containers: [{ name: "a", ports: [{ hostPort: 0 }] }, { name: "b", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 20 }] }, { name: "c", ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 30 }] }] }),
    "hostPort",
    'containers "b", "c" use hostPorts 10, 20, 30',
  );
  refuses(run(hostPortsCheck, { containers: [{ name: "a", ports: [{ hostPort: 8080 }, { hostPort: 100 }] }] }), "hostPort", 'container "a" uses hostPorts 100, 8080');
});

test("AppArmor: Unconfined types and annotations outside runtime/default and localhost/*", () => {
  for (const [metadata, spec] of [
    [{ annotations: { "container.apparmor.security.beta.kubernetes.io/test": "runtime/default", env: "prod" } }, {}],
    [{ annotations: { "container.apparmor.security.beta.kubernetes.io/test": "localhost/sec-profile01" } }, {}],
    [{}, { securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }],
    [{}, { containers: [c("foo", { appArmorProfile: { type: "Localhost", localhostProfile: "p" } })] }],
  ] as [Json, Json][]) {
    assert.ok(run(appArmorProfileCheck, spec, metadata).allowed, JSON.stringify({ metadata, spec }));
  }
  refuses(run(appArmorProfileCheck, { securityContext: { appArmorProfile: { type: "Unconfined" } } }), "forbidden AppArmor profile", 'pod must not set AppArmor profile type to "Unconfined"');
  refuses(
    run(appArmorProfileCheck, { securityContext: { appArmorProfile: { type: "RuntimeDefault" } }, containers: [c("foo", { appArmorProfile: { type: "Unconfined" } })] }),
    "forbidden AppArmor profile",
    'container "foo" must not set AppArmor profile type to "Unconfined"',
  );
  refuses(
    run(appArmorProfileCheck, { containers: [c("foo")], initContainers: [c("bar", { appArmorProfile: { type: "Unconfined" } })] }),
    "forbidden AppArmor profile",
    'container "bar" must not set AppArmor profile type to "Unconfined"',
  );
  const prefix = "container.apparmor.security.beta.kubernetes.io/";
  refuses(
    run(appArmorProfileCheck, {}, {
      annotations: { [prefix]: "bogus", [`${prefix}a`]: "", [`${prefix}b`]: "runtime/default", [`${prefix}c`]: "localhost/", [`${prefix}d`]: "localhost/foo", [`${prefix}e`]: "unconfined", [`${prefix}f`]: "unknown" },
    }),
    "forbidden AppArmor profiles",
    `annotations must not set AppArmor profile type to "${prefix}="bogus"", "${prefix}e="unconfined"", "${prefix}f="unknown""`,
  );
});

test("seLinuxOptions: types outside the container types, any user or role", () => {
  assert.ok(run(seLinuxOptionsCheck, { securityContext: { seLinuxOptions: { level: "s0:c1,c2" } }, containers: [c("a", { seLinuxOptions: { type: "container_init_t" } })] }).allowed);
  const containers = [
    c("a", { seLinuxOptions: { type: "container_t" } }),
    c("b", { seLinuxOptions: { type: "container_init_t" } }),
    c("c", { seLinuxOptions: { type: "container_kvm_t" } }),
    c("d", { seLinuxOptions: { type: "container_engine_t" } }),
    c("e", { seLinuxOptions: { type: "bar" } }),
    c("f", { seLinuxOptions: { user: "bar" } }),
    c("g", { seLinuxOptions: { role: "baz" } }),
  ];
  refuses(
    run(seLinuxOptionsCheck, { securityContext: { seLinuxOptions: { type: "foo", user: "bar", role: "baz" } }, containers }),
    "seLinuxOptions",
    'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
  );
  refuses(run(seLinuxOptionsCheck, { securityContext: { seLinuxOptions: { type: "bad" } } }), "seLinuxOptions", 'pod set forbidden securityContext.seLinuxOptions: type "bad"');
  refuses(run(seLinuxOptionsCheck, { securityContext: { seLinuxOptions: { user: "bad" } } }), "seLinuxOptions", "pod set forbidden securityContext.seLinuxOptions: user may not be set");
  refuses(run(seLinuxOptionsCheck, { securityContext: { seLinuxOptions: { role: "bad" } } }), "seLinuxOptions", "pod set forbidden securityContext.seLinuxOptions: role may not be set");
  // container_engine_t is allowed from policy 1.31 only.
  refuses(run(seLinuxOptionsCheck, { containers: [c("d", { seLinuxOptions: { type: "container_engine_t" } })] }, {}, 30), "seLinuxOptions", 'container "d" set forbidden securityContext.seLinuxOptions: type "container_engine_t"');
});

test("procMount: anything but Default", () => {
  assert.ok(run(procMountCheck, { containers: [c("a", { procMount: "Default" }), c("b", {})] }).allowed);
  refuses(
    run(procMountCheck, { containers: [c("a", { procMount: "Unmasked" }), c("b", { procMount: "Default" }), c("e", { procMount: "Unmasked" })] }),
    "procMount",
    'containers "a", "e" must not set securityContext.procMount to "Unmasked"',
  );
});

test("seccompProfile (baseline): Unconfined on the pod or containers; annotations before 1.19", () => {
  assert.ok(run(seccompBaselineCheck, { securityContext: { seccompProfile: { type: "RuntimeDefault" } }, containers: [c("a", { seccompProfile: { type: "Localhost", localhostProfile: "p" } }), c("b")] }).allowed);
  refuses(
    run(seccompBaselineCheck, { securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [c("a", { seccompProfile: { type: "Unconfined" } }), c("b", { seccompProfile: { type: "Unknown" } }), c("c")] }),
    "seccompProfile",
    'pod and containers "a", "b" must not set securityContext.seccompProfile.type to "Unconfined", "Unknown"',
  );
  const old = { "seccomp.security.alpha.kubernetes.io/pod": "unconfined", "container.seccomp.security.alpha.kubernetes.io/a": "runtime/default", "container.seccomp.security.alpha.kubernetes.io/b": "unconfined" };
  refuses(
    run(seccompBaselineCheck, { containers: [c("a"), c("b")] }, { annotations: old }, 18),
    "seccompProfile",
    'forbidden annotations container.seccomp.security.alpha.kubernetes.io/b="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
  );
  assert.ok(run(seccompBaselineCheck, { containers: [c("a"), c("b")] }, { annotations: old }).allowed, "from 1.19 the annotations are not what is checked");
});

test("sysctls: the safe set grows with the policy version", () => {
  assert.ok(run(sysctlsCheck, { securityContext: { sysctls: [{ name: "net.ipv4.ping_group_range", value: "0 1" }] } }).allowed);
  refuses(run(sysctlsCheck, { securityContext: { sysctls: [{ name: "a" }, { name: "b" }] } }), "forbidden sysctls", "a, b");
  const reserved = { securityContext: { sysctls: [{ name: "net.ipv4.ip_local_reserved_ports", value: "1024-4999" }] } };
  refuses(run(sysctlsCheck, reserved, {}, 26), "forbidden sysctls", "net.ipv4.ip_local_reserved_ports");
  assert.ok(run(sysctlsCheck, reserved, {}, 27).allowed);
  const rmem = { securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem", value: "4096 87380 16777216" }] } };
  refuses(run(sysctlsCheck, rmem, {}, 31), "forbidden sysctls", "net.ipv4.tcp_rmem");
  assert.ok(run(sysctlsCheck, rmem).allowed);
});
