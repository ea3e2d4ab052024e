// The conversion rules, on bodies built by field number (testing/wire.ts) for kinds and fields
// kubectl's create commands do not send: pods, probes, volumes, env sources, pointers set to zero.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as protobuf from "protobufjs";
import { decodeKubernetesProtobuf } from "./decode";
import { loadKubernetesSchema } from "./schema";
import { messageToJson } from "./to-json";
import { body, bytes, encode, entry, msg, str, varint } from "./testing/wire";

const decode = (b: Buffer) => decodeKubernetesProtobuf(b).object;

/** metav1.Time {1: seconds, 2: nanos}. */
const time = (id: number, seconds: number, nanos = 0) => msg(id, varint(1, seconds), varint(2, nanos));
/** IntOrString as Go writes it: all three fields, always. */
const intOrString = (id: number, value: number | string) =>
  typeof value === "number" ? msg(id, varint(1, 0), varint(2, value), str(3, "")) : msg(id, varint(1, 1), varint(2, 0), str(3, value));
const quantity = (id: number, value: string) => msg(id, str(1, value));

describe("Time", () => {
  it("becomes RFC 3339 in whole seconds; the zero time is dropped", () => {
    const ns = decode(body("v1", "Namespace", msg(1, str(1, "a"), time(8, 1714557600, 500_000_000), msg(9))));
    assert.deepEqual(ns.metadata, { name: "a", creationTimestamp: "2024-05-01T10:00:00Z" });
  });

  it("rejects a time outside years 0001-9999", () => {
    assert.throws(() => decode(body("v1", "Namespace", msg(1, str(1, "a"), time(8, 253402300800)))), /outside years 0001-9999/);
  });

  it("MicroTime keeps microseconds", () => {
    // A private schema, so the type added for the test stays out of the shared one.
    const schema = loadKubernetesSchema();
    const holder = new protobuf.Type("MicroTimeHolder").add(new protobuf.Field("at", 1, "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime"));
    schema.root.add(holder);
    schema.root.resolveAll();
    const message = holder.decode(encode(time(1, 1714557600, 123_456_789))) as unknown as Record<string, unknown>;
    assert.deepEqual(messageToJson(holder, message), { at: "2024-05-01T10:00:00.123456Z" });
  });
});

describe("RawExtension", () => {
  const schema = loadKubernetesSchema();
  const holder = new protobuf.Type("RawHolder").add(new protobuf.Field("object", 1, "k8s.io.apimachinery.pkg.runtime.RawExtension"));
  schema.root.add(holder);
  schema.root.resolveAll();
  const convert = (raw: Uint8Array, embedded?: (b: Uint8Array) => unknown) =>
    messageToJson(holder, holder.decode(encode(msg(1, bytes(1, raw)))) as unknown as Record<string, unknown>, { embedded });

  it("holds JSON", () => {
    assert.deepEqual(convert(Buffer.from('{"kind":"Pod","apiVersion":"v1"}')), { object: { kind: "Pod", apiVersion: "v1" } });
  });

  it("may hold a nested protobuf object", () => {
    const nested = body("v1", "Namespace", msg(1, str(1, "inner")));
    assert.deepEqual(
      convert(nested, (b) => decodeKubernetesProtobuf(b).object),
      { object: { kind: "Namespace", apiVersion: "v1", metadata: { name: "inner" } } },
    );
  });

  it("rejects bytes that are neither", () => {
    assert.throws(() => convert(Buffer.from("not json")), /must hold JSON/);
  });
});

describe("Pod", () => {
  const pod = body(
    "v1",
    "Pod",
    msg(
      1,
      str(1, "web-0"),
      str(2, ""),
      str(3, "prod"),
      varint(7, 0),
      msg(8),
      entry(11, "app", str(2, "web")),
      entry(12, "note", str(2, "")),
      msg(13, str(5, "apps/v1"), str(1, "ReplicaSet"), str(3, "web"), str(4, "u1"), varint(6, true), varint(7, false)),
      str(14, "example.com/guard"),
      msg(17, str(1, "kubectl"), str(2, "Update"), str(3, "v1"), time(4, 1714557600), str(6, "FieldsV1"), msg(7, bytes(1, Buffer.from('{"f:metadata":{}}'))), str(8, "")),
    ),
    msg(
      2,
      msg(1, str(1, "cfg"), msg(2, msg(19, msg(1, str(1, "app-config")), varint(3, 0o644)))),
      msg(1, str(1, "creds"), msg(2, msg(6, str(1, "db"), varint(4, false)))),
      msg(1, str(1, "scratch"), msg(2, msg(2, str(1, "Memory"), quantity(2, "64Mi")))),
      msg(
        2,
        str(1, "app"),
        str(2, "nginx:1.27"),
        str(3, "nginx"),
        str(3, "-g"),
        msg(6, str(1, "http"), varint(2, 0), varint(3, 80), str(4, "TCP"), str(5, "")),
        msg(7, str(1, "MODE"), str(2, "prod")),
        msg(7, str(1, "LEVEL"), str(2, ""), msg(3, msg(3, msg(1, str(1, "app-config")), str(2, "level"), varint(3, true)))),
        msg(7, str(1, "POD_IP"), str(2, ""), msg(3, msg(1, str(1, "v1"), str(2, "status.podIP")))),
        msg(7, str(1, "MEM"), str(2, ""), msg(3, msg(2, str(1, ""), str(2, "limits.memory"), quantity(3, "")))),
        msg(8, entry(1, "cpu", quantity(2, "500m")), entry(2, "cpu", quantity(2, "")), entry(2, "memory", quantity(2, "128Mi"))),
        msg(10, msg(1, msg(2, str(1, "/healthz"), intOrString(2, 8080), str(3, ""), str(4, "HTTP"))), varint(2, 5), varint(3, 0), varint(4, 10)),
        msg(11, msg(1, msg(3, intOrString(1, "http"), str(2, ""))), varint(2, 0)),
        msg(15, varint(2, false), varint(4, 0), varint(5, true)),
        varint(16, false),
      ),
      str(3, "Always"),
      varint(4, 30),
      entry(7, "disk", str(2, "ssd")),
      varint(11, false),
      msg(14, varint(2, 1000), varint(5, 2000)),
      varint(21, false),
      msg(22, str(1, "node.kubernetes.io/not-ready"), str(2, "Exists"), str(3, ""), str(4, "NoExecute"), varint(5, 300)),
      varint(25, 0),
    ),
    msg(3, str(1, "Running"), time(7, 1714557600), msg(8, str(1, "app"), msg(2, msg(2, time(1, 1714557601))), varint(4, true), varint(5, 0))),
  );

  it("converts every rule at once", () => {
    assert.deepEqual(decode(pod), {
      kind: "Pod",
      apiVersion: "v1",
      metadata: {
        name: "web-0",
        namespace: "prod",
        labels: { app: "web" },
        annotations: { note: "" },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u1", controller: true, blockOwnerDeletion: false }],
        finalizers: ["example.com/guard"],
        managedFields: [{ manager: "kubectl", operation: "Update", apiVersion: "v1", time: "2024-05-01T10:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": {} } }],
      },
      spec: {
        volumes: [
          { name: "cfg", configMap: { name: "app-config", defaultMode: 0o644 } },
          { name: "creds", secret: { secretName: "db", optional: false } },
          { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        ],
        containers: [
          {
            name: "app",
            image: "nginx:1.27",
            command: ["nginx", "-g"],
            ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
            env: [
              { name: "MODE", value: "prod" },
              { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "app-config", key: "level", optional: true } } },
              { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
              { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
            ],
            resources: { limits: { cpu: "500m" }, requests: { cpu: "0", memory: "128Mi" } },
            livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 5, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: "http" } },
            securityContext: { privileged: false, runAsUser: 0, runAsNonRoot: true },
          },
        ],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        nodeSelector: { disk: "ssd" },
        securityContext: { runAsUser: 1000, fsGroup: 2000 },
        automountServiceAccountToken: false,
        tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
        priority: 0,
      },
      status: {
        phase: "Running",
        startTime: "2024-05-01T10:00:00Z",
        containerStatuses: [{ name: "app", state: { running: { startedAt: "2024-05-01T10:00:01Z" } }, ready: true }],
      },
    });
  });
});

describe("pointers to IntOrString and Quantity", () => {
  it("keeps a set maxUnavailable: 0 and drops an unset targetPort", () => {
    const deployment = decode(
      body("apps/v1", "Deployment", msg(1, str(1, "web")), msg(2, msg(4, str(1, "RollingUpdate"), msg(2, intOrString(1, 0), intOrString(2, "25%"))))),
    );
    assert.deepEqual(deployment.spec, { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } } });
    const service = decode(body("v1", "Service", msg(1, str(1, "db")), msg(2, msg(1, str(1, ""), str(2, "TCP"), varint(3, 5432), intOrString(4, 0), varint(5, 0)))));
    assert.deepEqual(service.spec, { ports: [{ protocol: "TCP", port: 5432 }] });
  });
});

describe("other kinds", () => {
  it("ReplicaSet with replicas 0", () => {
    const rs = decode(body("apps/v1", "ReplicaSet", msg(1, str(1, "web-1")), msg(2, varint(1, 0), varint(4, 0), msg(2, entry(1, "app", str(2, "web"))), msg(3, msg(1), msg(2)))));
    assert.deepEqual(rs, { kind: "ReplicaSet", apiVersion: "apps/v1", metadata: { name: "web-1" }, spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: {}, spec: {} } } });
  });

  it("Job: completions, backoffLimit and suspend are pointers", () => {
    const job = decode(body("batch/v1", "Job", msg(1, str(1, "once")), msg(2, varint(2, 1), varint(7, 0), varint(10, false), varint(3, "86400"))));
    assert.deepEqual(job.spec, { completions: 1, activeDeadlineSeconds: 86400, backoffLimit: 0, suspend: false });
  });

  it("Eviction carries DeleteOptions", () => {
    const eviction = decode(
      body("policy/v1", "Eviction", msg(1, str(1, "p1"), str(3, "default")), msg(2, varint(1, 0), msg(2, str(1, "uid-1")), str(4, "Foreground"), str(5, "All"))),
    );
    assert.deepEqual(eviction, {
      kind: "Eviction",
      apiVersion: "policy/v1",
      metadata: { name: "p1", namespace: "default" },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: "uid-1" }, propagationPolicy: "Foreground", dryRun: ["All"] },
    });
  });

  it("CertificateSigningRequest (kubectl certificate approve): request bytes as base64, condition times", () => {
    const pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
    const csr = decode(
      body(
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        msg(1, str(1, "csr-1")),
        msg(2, bytes(1, Buffer.from(pem)), str(7, "kubernetes.io/kube-apiserver-client"), str(5, "client auth"), str(2, "alice"), str(4, "system:authenticated")),
        msg(3, msg(1, str(1, "Approved"), str(6, "True"), str(2, "KubectlApprove"), str(3, "ok"), time(4, 1714557600))),
      ),
    );
    assert.deepEqual(csr.spec, { request: Buffer.from(pem).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"], username: "alice", groups: ["system:authenticated"] });
    assert.deepEqual(csr.status, { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "ok", lastUpdateTime: "2024-05-01T10:00:00Z" }] });
  });

  it("DeleteOptions of any group version", () => {
    const options = decodeKubernetesProtobuf(body("apps/v1", "DeleteOptions", str(4, "Orphan")));
    assert.deepEqual(options, { apiVersion: "apps/v1", kind: "DeleteOptions", object: { kind: "DeleteOptions", apiVersion: "apps/v1", propagationPolicy: "Orphan" } });
  });
});

describe("SubjectAccessReview", () => {
  it("reads spec.extra's ExtraValue messages as plain lists of strings, as Go's named []string is in JSON", () => {
    // spec {1: resourceAttributes {2: verb, 5: resource}, 3: user, 5: extra {key → ExtraValue {1: items}}}
    const spec = msg(2, msg(1, str(2, "get"), str(5, "pods")), str(3, "alice"), entry(5, "scopes", msg(2, str(1, "a"), str(1, "b"))));
    const review = decode(body("authorization.k8s.io/v1", "SubjectAccessReview", spec));
    assert.deepEqual(review.spec, { resourceAttributes: { verb: "get", resource: "pods" }, user: "alice", extra: { scopes: ["a", "b"] } });
  });
});
