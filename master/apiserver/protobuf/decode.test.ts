// Decodes the request bodies kubectl v1.32 really sent (testdata/*.bin, see testing/capture.ts)
// and compares them with what kubectl prints for the same command (`--dry-run=client -o json`,
// Go's own JSON encoding of the object) and with hand-written expectations.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ApiError } from "../../../api/errors";
import { decodeKubernetesProtobuf, isProtobufContentType } from "./decode";

const TESTDATA = path.join(__dirname, "../../../../master/apiserver/protobuf/testdata");

interface FixtureIndex {
  kubectl: string;
  fixtures: { name: string; command: string; method: string; url: string; contentType: string }[];
}

const index = JSON.parse(fs.readFileSync(path.join(TESTDATA, "fixtures.json"), "utf8")) as FixtureIndex;

function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(TESTDATA, `${name}.bin`));
}

function decodeFixture(name: string): Record<string, unknown> {
  return decodeKubernetesProtobuf(fixture(name)).object;
}

/** Go writes an unset metav1.Time as null; the decoder leaves it out. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

describe("kubectl's protobuf bodies", () => {
  it("were captured from a kubectl that sends protobuf", () => {
    assert.ok(index.fixtures.length >= 14);
    for (const f of index.fixtures) {
      assert.equal(f.contentType, "application/vnd.kubernetes.protobuf", f.name);
      assert.deepEqual([...fixture(f.name).subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00], f.name);
    }
  });

  for (const f of index.fixtures) {
    const printed = path.join(TESTDATA, `${f.name}.kubectl.json`);
    if (!fs.existsSync(printed)) continue;
    it(`${f.name}: decodes to what \`${f.command} --dry-run=client -o json\` prints`, () => {
      const expected = withoutNulls(JSON.parse(fs.readFileSync(printed, "utf8"))) as Record<string, unknown>;
      if (f.name === "hpa") {
        // The one difference: Go writes these non-pointer zeros (no omitempty); an unset value
        // is dropped here, and the server resets status on create anyway.
        assert.deepEqual(expected.status, { currentReplicas: 0, desiredReplicas: 0 });
        expected.status = {};
      }
      assert.deepEqual(decodeFixture(f.name), expected);
    });
  }

  it("create deployment: the whole object", () => {
    assert.deepEqual(decodeKubernetesProtobuf(fixture("deployment")), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      object: {
        kind: "Deployment",
        apiVersion: "apps/v1",
        metadata: { name: "web", namespace: "default", labels: { app: "web" } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }] },
          },
          strategy: {},
        },
        status: {},
      },
    });
  });

  it("create deployment --replicas=0: a set pointer zero is kept", () => {
    const spec = decodeFixture("deployment-zero-replicas").spec as Record<string, unknown>;
    assert.equal(spec.replicas, 0);
    const template = spec.template as { spec: { containers: unknown[] } };
    assert.deepEqual(template.spec.containers, [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 8080 }], resources: {} }]);
  });

  it("create namespace: empty strings, zero generation and the zero creationTimestamp are dropped", () => {
    const raw = fixture("namespace");
    // The body really carries them: namespace "", generation 0, creationTimestamp {}.
    assert.ok(raw.includes(Buffer.from([0x1a, 0x00])) && raw.includes(Buffer.from([0x38, 0x00, 0x42, 0x00])));
    assert.deepEqual(decodeFixture("namespace"), { kind: "Namespace", apiVersion: "v1", metadata: { name: "blue" }, spec: {}, status: {} });
  });

  it("create secret generic: data values become base64", () => {
    assert.deepEqual(decodeFixture("secret-generic"), {
      kind: "Secret",
      apiVersion: "v1",
      metadata: { name: "apikey", namespace: "default" },
      data: { k: Buffer.from("v").toString("base64") },
    });
  });

  it("create secret docker-registry: the config JSON survives the bytes round trip", () => {
    const secret = decodeFixture("secret-docker-registry") as { type: string; data: Record<string, string> };
    assert.equal(secret.type, "kubernetes.io/dockerconfigjson");
    const config = JSON.parse(Buffer.from(secret.data[".dockerconfigjson"], "base64").toString("utf8"));
    assert.deepEqual(config, { auths: { "registry.example": { username: "u", password: "p", email: "u@example.com", auth: Buffer.from("u:p").toString("base64") } } });
  });

  it("create secret tls: certificate and key bytes are intact", () => {
    const secret = decodeFixture("secret-tls") as { type: string; data: Record<string, string> };
    assert.equal(secret.type, "kubernetes.io/tls");
    assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), fs.readFileSync(path.join(TESTDATA, "tls.crt"), "utf8"));
    assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), fs.readFileSync(path.join(TESTDATA, "tls.key"), "utf8"));
  });

  it("create configmap: data and binaryData", () => {
    assert.deepEqual(decodeFixture("configmap"), { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "cfg", namespace: "default" }, data: { a: "b" } });
    const blobs = decodeFixture("configmap-binary") as { data: unknown; binaryData: Record<string, string> };
    assert.deepEqual(blobs.data, { text: "hello" });
    assert.deepEqual([...Buffer.from(blobs.binaryData.blob, "base64")], [0x00, 0xff, 0xfe, 0x80, 0x41]);
  });

  it("autoscale: an autoscaling/v1 HorizontalPodAutoscaler", () => {
    assert.deepEqual(decodeKubernetesProtobuf(fixture("hpa")), {
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      object: {
        kind: "HorizontalPodAutoscaler",
        apiVersion: "autoscaling/v1",
        metadata: { name: "web" },
        spec: { scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
        status: {},
      },
    });
  });

  it("create job and create cronjob", () => {
    const job = decodeFixture("job") as { spec: { template: { spec: unknown } } };
    assert.deepEqual(job.spec.template.spec, { containers: [{ name: "pi", image: "busybox", command: ["echo", "hi"], resources: {} }], restartPolicy: "Never" });
    const cron = decodeFixture("cronjob") as { spec: { schedule: string; jobTemplate: { metadata: unknown } } };
    assert.equal(cron.spec.schedule, "*/5 * * * *");
    assert.deepEqual(cron.spec.jobTemplate.metadata, { name: "tick" });
  });

  it("create service: IntOrString targetPort as a number and as a name", () => {
    const clusterIP = decodeFixture("service-clusterip") as { spec: unknown };
    assert.deepEqual(clusterIP.spec, { ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 }], selector: { app: "svc1" }, type: "ClusterIP" });
    const nodePort = decodeFixture("service-nodeport") as { spec: { ports: unknown[] } };
    assert.deepEqual(nodePort.spec.ports, [{ name: "80-http", protocol: "TCP", port: 80, targetPort: "http", nodePort: 30080 }]);
  });

  it("create serviceaccount", () => {
    assert.deepEqual(decodeFixture("serviceaccount"), { kind: "ServiceAccount", apiVersion: "v1", metadata: { name: "robot", namespace: "default" } });
  });

  it("drain's DELETE: DeleteOptions, empty and with gracePeriodSeconds 0", () => {
    assert.deepEqual(decodeKubernetesProtobuf(fixture("deleteoptions")), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      object: { kind: "DeleteOptions", apiVersion: "v1" },
    });
    assert.deepEqual(decodeFixture("deleteoptions-grace-zero"), { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 });
  });

  it("rejects a captured body cut short", () => {
    const body = fixture("deployment");
    assert.throws(() => decodeKubernetesProtobuf(body.subarray(0, body.length - 20)), (err: unknown) => err instanceof ApiError && err.code === 400);
  });
});

describe("isProtobufContentType", () => {
  it("matches the Kubernetes protobuf media type, with parameters and any case", () => {
    assert.equal(isProtobufContentType("application/vnd.kubernetes.protobuf"), true);
    assert.equal(isProtobufContentType("Application/VND.Kubernetes.Protobuf; charset=binary"), true);
  });

  it("does not match JSON, other protobuf types or nothing", () => {
    assert.equal(isProtobufContentType("application/json"), false);
    assert.equal(isProtobufContentType("application/vnd.kubernetes.protobuf.foo"), false);
    assert.equal(isProtobufContentType("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"), false);
    assert.equal(isProtobufContentType(undefined), false);
    assert.equal(isProtobufContentType(""), false);
  });
});
