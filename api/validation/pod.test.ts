import { test } from "node:test";
import { validateCreate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";
import { edit, pod } from "./testing/fixtures";

const RFC1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

test("a defaulted pod is valid", () => {
  assertValid(validateCreate("Pod", pod()));
});

test("missing image: spec.containers[0].image Required value", () => {
  const p = edit(pod(), (o) => delete o.spec.containers[0].image);
  assertCauses(validateCreate("Pod", p), [["spec.containers[0].image", "Required value"]]);
  assertCause(validateCreate("Pod", p), "spec.containers[0].image", "Required value", "FieldValueRequired");
});

test("name Foo_bar is not a DNS subdomain", () => {
  const p = edit(pod(), (o) => (o.metadata.name = "Foo_bar"));
  assertCauses(validateCreate("Pod", p), [
    [
      "metadata.name",
      `Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  ]);
});

test("name or generateName is required, and the namespace must be present", () => {
  const p = edit(pod(), (o) => {
    delete o.metadata.name;
    delete o.metadata.namespace;
  });
  assertCauses(validateCreate("Pod", p), [
    ["metadata.name", "Required value: name or generateName is required"],
    ["metadata.namespace", "Required value"],
  ]);
});

test("containers are required", () => {
  const p = edit(pod(), (o) => (o.spec.containers = []));
  assertCauses(validateCreate("Pod", p), [["spec.containers", "Required value"]]);
});

test("container names are DNS labels, unique across init and regular containers", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers.push({ ...o.spec.containers[0] });
    o.spec.initContainers = [{ ...o.spec.containers[0] }];
    o.spec.containers[1].name = "app";
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[1].name", 'Duplicate value: "app"', "FieldValueDuplicate");
  assertCause(causes, "spec.initContainers[0].name", 'Duplicate value: "app"');
  const bad = edit(pod(), (o) => (o.spec.containers[0].name = "App"));
  assertCause(validateCreate("Pod", bad), "spec.containers[0].name", `Invalid value: "App": ${RFC1123_LABEL}`);
});

test("ports: number range, required containerPort, supported protocols, unique names", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers[0].ports = [
      { containerPort: 70000, protocol: "TCP", name: "http" },
      { containerPort: 0, protocol: "ICMP", name: "http" },
      { containerPort: 80, protocol: "TCP", hostPort: 80 },
      { containerPort: 81, protocol: "TCP", hostPort: 80 },
    ];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive");
  assertCause(causes, "spec.containers[0].ports[1].containerPort", "Required value");
  assertCause(causes, "spec.containers[0].ports[1].protocol", 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
  assertCause(causes, "spec.containers[0].ports[1].name", 'Duplicate value: "http"');
  assertCause(causes, "spec.containers[0].ports[3].hostPort", 'Duplicate value: "TCP//80"');
});

test("environment variable names and value sources", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers[0].env = [
      { name: "1BAD", value: "x" },
      { name: "" },
      { name: "REF", value: "x", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeNamez" } } },
    ];
  });
  const causes = validateCreate("Pod", p);
  assertCause(
    causes,
    "spec.containers[0].env[0].name",
    `Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
  );
  assertCause(causes, "spec.containers[0].env[1].name", "Required value");
  assertCause(causes, "spec.containers[0].env[2].valueFrom", 'Invalid value: "": may not be specified when `value` is not empty');
  assertCause(
    causes,
    "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath",
    'Invalid value: "spec.nodeNamez": error converting fieldPath: field label not supported: spec.nodeNamez',
  );
});

test("resources must parse, be non-negative, and requests must not exceed limits", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers[0].resources = { requests: { cpu: "2", memory: "abc" }, limits: { cpu: "1", foo: "1" } };
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[0].resources.requests", 'Invalid value: "2": must be less than or equal to cpu limit of 1');
  assertCause(
    causes,
    "spec.containers[0].resources.requests[memory]",
    `Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
  );
  assertCause(causes, "spec.containers[0].resources.limits[foo]", 'Invalid value: "foo": must be a standard resource type or fully qualified');
  assertCause(causes, "spec.containers[0].resources.limits[foo]", 'Invalid value: "foo": must be a standard resource for containers');
  const negative = edit(pod(), (o) => (o.spec.containers[0].resources = { requests: { memory: "-1Mi" } }));
  assertCause(validateCreate("Pod", negative), "spec.containers[0].resources.requests[memory]", 'Invalid value: "-1Mi": must be greater than or equal to 0');
  const gpu = edit(pod(), (o) => (o.spec.containers[0].resources = { requests: { "example.com/gpu": "1" } }));
  assertCause(validateCreate("Pod", gpu), "spec.containers[0].resources.limits", "Required value: Limit must be set for non overcommitable resources");
});

test("volumes: unique DNS-label names, exactly one source, mounts must name a volume", () => {
  const p = edit(pod(), (o) => {
    o.spec.volumes = [
      { name: "data", emptyDir: {} },
      { name: "data", emptyDir: {} },
      { name: "both", emptyDir: {}, hostPath: { path: "/x" } },
      { name: "none" },
    ];
    o.spec.containers[0].volumeMounts = [
      { name: "data", mountPath: "/data" },
      { name: "missing", mountPath: "/data" },
    ];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.volumes[1].name", 'Duplicate value: "data"');
  assertCause(causes, "spec.volumes[2].hostPath", "Forbidden: may not specify more than 1 volume type");
  assertCause(causes, "spec.volumes[3]", "Required value: must specify a volume type");
  assertCause(causes, "spec.containers[0].volumeMounts[1].name", 'Not found: "missing"');
  assertCause(causes, "spec.containers[0].volumeMounts[1].mountPath", 'Invalid value: "/data": must be unique');
});

test("restartPolicy and dnsPolicy are enums", () => {
  const p = edit(pod(), (o) => {
    o.spec.restartPolicy = "Sometimes";
    o.spec.dnsPolicy = "Whatever";
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.restartPolicy", 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  assertCause(
    causes,
    "spec.dnsPolicy",
    'Unsupported value: "Whatever": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  );
  const undefaulted = edit(pod(), (o) => delete o.spec.dnsPolicy);
  assertCause(validateCreate("Pod", undefaulted), "spec.dnsPolicy", "Required value");
});

test("probes: one handler, valid ports, liveness successThreshold 1", () => {
  const p = edit(pod(), (o) => {
    o.spec.containers[0].livenessProbe = { exec: { command: ["true"] }, httpGet: { path: "/", port: 8080, scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 2, failureThreshold: 3 };
    o.spec.containers[0].readinessProbe = { tcpSocket: { port: "HTTP" }, periodSeconds: -1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    o.spec.containers[0].startupProbe = { periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.containers[0].livenessProbe.httpGet", "Forbidden: may not specify more than 1 handler type");
  assertCause(causes, "spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1");
  assertCause(causes, "spec.containers[0].readinessProbe.tcpSocket.port", 'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  assertCause(causes, "spec.containers[0].readinessProbe.periodSeconds", "Invalid value: -1: must be greater than or equal to 0");
  assertCause(causes, "spec.containers[0].startupProbe", "Required value: must specify a handler type");
});

test("init containers without restartPolicy Always may not have probes", () => {
  const p = edit(pod(), (o) => {
    o.spec.initContainers = [{ ...o.spec.containers[0], name: "init", readinessProbe: { exec: { command: ["x"] } } }];
  });
  assertCause(validateCreate("Pod", p), "spec.initContainers[0].readinessProbe", "Forbidden: may not be set for init containers without restartPolicy=Always");
});

test("tolerations and scheduling fields", () => {
  const p = edit(pod(), (o) => {
    o.spec.tolerations.push({ key: "", operator: "Equal", value: "x" }, { key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 });
    o.spec.nodeSelector = { "bad key!": "x" };
    o.spec.activeDeadlineSeconds = 0;
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.tolerations[2].operator", 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"');
  assertCause(causes, "spec.tolerations[3].effect", "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set");
  assertCause(causes, "spec.activeDeadlineSeconds", "Invalid value: 0: must be between 1 and 2147483647, inclusive");
  assertCause(
    causes,
    "spec.nodeSelector",
    `Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  );
});

test("ephemeral containers cannot be set on create; hostNetwork ports must match", () => {
  const p = edit(pod(), (o) => {
    o.spec.ephemeralContainers = [{ name: "debug", image: "busybox" }];
    o.spec.hostNetwork = true;
    o.spec.containers[0].ports = [{ containerPort: 80, hostPort: 81, protocol: "TCP" }];
  });
  const causes = validateCreate("Pod", p);
  assertCause(causes, "spec.ephemeralContainers", "Forbidden: cannot be set on create");
  assertCause(causes, "spec.containers[0].ports[0].hostPort", "Invalid value: 81: must match `containerPort` when `hostNetwork` is true");
});
