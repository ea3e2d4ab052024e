// Runs today's kubectl against a tiny server on 127.0.0.1 that decodes each protobuf body with
// decodeKubernetesProtobuf and echoes the object back. kubectl only reports success when the
// echo is the object it sent, named and typed as it expects. Skipped when kubectl is missing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeKubernetesProtobuf, isProtobufContentType } from "./decode";
import { type FakeApiServer, type RecordedRequest, startFakeApiServer } from "./testing/fake-apiserver";
import { type KubectlHome, kubectlAvailable, makeKubectlHome, runKubectl } from "./testing/kubectl";

const skip = kubectlAvailable() ? false : "kubectl is not installed";

describe("live kubectl", { skip }, () => {
  let server: FakeApiServer;
  let home: KubectlHome;

  before(async () => {
    server = await startFakeApiServer((body) => decodeKubernetesProtobuf(body).object);
    home = makeKubectlHome();
  });

  after(async () => {
    await server?.close();
    home?.cleanup();
  });

  /** Runs kubectl, expects success, and returns the protobuf body of the last `method` request. */
  async function sent(args: string[], method: string, stdout: RegExp): Promise<Record<string, unknown>> {
    const before = server.requests.length;
    const run = await runKubectl(server.url, home, args);
    assert.equal(run.code, 0, `kubectl ${args.join(" ")} failed: ${run.stderr}`);
    assert.match(run.stdout, stdout);
    const req = server.requests.slice(before).filter((r: RecordedRequest) => r.method === method && r.body.length > 0).at(-1);
    assert.ok(req, `kubectl sent no ${method} body`);
    assert.ok(isProtobufContentType(req.contentType), `kubectl sent ${req.contentType}, not protobuf`);
    return decodeKubernetesProtobuf(req.body).object;
  }

  it("create deployment", async () => {
    const obj = await sent(["create", "deployment", "web", "--image=nginx", "--replicas=3"], "POST", /^deployment\.apps\/web created/);
    assert.deepEqual(obj.spec, {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx", resources: {} }] } },
      strategy: {},
    });
  });

  it("create namespace", async () => {
    const obj = await sent(["create", "namespace", "blue"], "POST", /^namespace\/blue created/);
    assert.deepEqual(obj, { kind: "Namespace", apiVersion: "v1", metadata: { name: "blue" }, spec: {}, status: {} });
  });

  it("create secret generic", async () => {
    const obj = await sent(["create", "secret", "generic", "apikey", "--from-literal=k=v"], "POST", /^secret\/apikey created/);
    assert.deepEqual(obj.data, { k: Buffer.from("v").toString("base64") });
  });

  it("create configmap", async () => {
    const obj = await sent(["create", "configmap", "cfg", "--from-literal=a=b"], "POST", /^configmap\/cfg created/);
    assert.deepEqual(obj.data, { a: "b" });
  });

  it("autoscale", async () => {
    const obj = await sent(["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"], "POST", /^horizontalpodautoscaler\.autoscaling\/web autoscaled/);
    assert.equal(obj.apiVersion, "autoscaling/v1");
    assert.deepEqual(obj.spec, { scaleTargetRef: { kind: "Deployment", name: "web", apiVersion: "apps/v1" }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 });
  });

  it("drain's DELETE fallback", async () => {
    const obj = await sent(["drain", "n1", "--disable-eviction", "--force", "--grace-period=0", "--timeout=20s"], "DELETE", /node\/n1 drained/);
    assert.deepEqual(obj, { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 });
  });

  it("a kind Gantry cannot decode reaches kubectl as a clear 415", async () => {
    const run = await runKubectl(server.url, home, ["create", "priorityclass", "high", "--value=1000"]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /cannot decode PriorityClass \(scheduling\.k8s\.io\/v1\) from protobuf/);
  });
});
