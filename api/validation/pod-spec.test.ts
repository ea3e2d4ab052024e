import { test } from "node:test";
import { validateCreate } from "./index";
import { assertCause, assertValid } from "./testing/assert-causes";
import { edit, pod } from "./testing/fixtures";

test("volume sources: secret, configMap, hostPath, projected and downward API rules", () => {
  const p = edit(pod(), (o) => {
    o.spec.volumes = [
      { name: "s", secret: { defaultMode: 0o1000, items: [{ key: "", path: "/abs" }] } },
      { name: "c", configMap: { name: "cfg", items: [{ key: "k", path: "../up" }] } },
      { name: "h", hostPath: { path: "/var/../etc", type: "Pipe" } },
      { name: "p", projected: { sources: [{ secret: { name: "a", items: [{ key: "k", path: "x" }] }, configMap: { name: "b" } }, { serviceAccountToken: { path: "token", expirationSeconds: 60 } }] } },
      { name: "d", downwardAPI: { items: [{ path: "labels" }] } },
    ];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.volumes[0].secret.secretName", "Required value");
  assertCause(causes, "spec.volumes[0].secret.defaultMode", "Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive");
  assertCause(causes, "spec.volumes[0].secret.items[0].key", "Required value");
  assertCause(causes, "spec.volumes[0].secret.items[0].path", 'Invalid value: "/abs": must be a relative path');
  assertCause(causes, "spec.volumes[1].configMap.items[0].path", `Invalid value: "../up": must not contain '..'`);
  assertCause(causes, "spec.volumes[2].hostPath.path", `Invalid value: "/var/../etc": must not contain '..'`);
  assertCause(causes, "spec.volumes[2].hostPath.type", 'Unsupported value: "Pipe": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"');
  assertCause(causes, "spec.volumes[3].projected.sources[0]", "Forbidden: may not specify more than 1 volume type per source");
  assertCause(causes, "spec.volumes[3].projected.sources[1].serviceAccountToken.expirationSeconds", "Invalid value: 60: may not specify a duration less than 10 minutes");
  assertCause(causes, "spec.volumes[4].downwardAPI", "Required value: one of fieldRef and resourceFieldRef is required");
});

test("env sources: key selectors and envFrom", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers[0].env = [{ name: "A", valueFrom: { configMapKeyRef: { name: "cfg", key: "bad/key" } } }, { name: "B", valueFrom: {} }];
    o.spec.containers[0].envFrom = [{ prefix: "1X", configMapRef: { name: "cfg" } }, {}];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[0].env[0].valueFrom.configMapKeyRef.key", `Invalid value: "bad/key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
  assertCause(causes, "spec.containers[0].env[1].valueFrom", 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
  assertCause(causes, "spec.containers[0].envFrom", 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`');
  assertCause(causes, "spec.containers[0].envFrom[0].prefix", `Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`);
});

test("security contexts: id ranges and contradictory privilege settings", () => {
  const p = edit(pod(), (o) => {
    o.spec.securityContext = { runAsUser: -1, supplementalGroups: [4294967296] };
    o.spec.containers[0].securityContext = { privileged: true, allowPrivilegeEscalation: false };
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.securityContext.runAsUser", "Invalid value: -1: must be between 0 and 4294967295, inclusive");
  assertCause(causes, "spec.securityContext.supplementalGroups[0]", "Invalid value: 4294967296: must be between 0 and 4294967295, inclusive");
  assertCause(causes, "spec.containers[0].securityContext", 'Invalid value: {"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
});

test("affinity, topology spread and DNS config", () => {
  const p = edit(pod(), (o) => {
    o.spec.affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] }, preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } } }] },
    };
    o.spec.topologySpreadConstraints = [
      { maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
      { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" },
    ];
    o.spec.dnsPolicy = "None";
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", "Required value: must have at least one node selector term");
  assertCause(causes, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", "Invalid value: 0: must be in the range 1-100");
  assertCause(causes, "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey", "Required value: can not be empty");
  assertCause(causes, "spec.topologySpreadConstraints[0].maxSkew", "Invalid value: 0: must be greater than zero");
  assertCause(causes, "spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}", 'Duplicate value: "{zone, DoNotSchedule}"');
  assertCause(causes, "spec.dnsConfig", "Required value: must provide `dnsConfig` when `dnsPolicy` is None");
});

test("lifecycle hooks need one handler; sleep must fit the grace period", () => {
  const p = edit(pod(), (o) => (o.spec.containers[0].lifecycle = { preStop: { sleep: { seconds: 60 } }, postStart: {} }));
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[0].lifecycle.preStop.sleep", "Invalid value: 60: must be greater than 0 and less than terminationGracePeriodSeconds (30)");
  assertCause(causes, "spec.containers[0].lifecycle.postStart", "Required value: must specify a handler type");
  assertValid(validateCreate("Pod", edit(pod(), (o) => (o.spec.containers[0].lifecycle = { preStop: { exec: { command: ["sleep", "5"] } } }))));
});
