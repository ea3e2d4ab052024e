// Every write of the master's own components goes through the registry's admission, as the user
// that component is: the routes that used to skip it (the deployment controller's status write,
// the namespace controller's finalize, the scheduler's batched binds) included. In this process,
// against a real etcd, with the components master.ts runs; a validating admission plugin
// records (or refuses) what it is shown.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiError, errors } from "../api/errors";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import { DeploymentController } from "../master/controllers/deployment";
import { NamespaceController } from "../master/controllers/namespace";
import { ReplicaSetController } from "../master/controllers/replicaset";
import { createLogger } from "../master/log";
import type { AdmissionAttributes } from "../master/registry/admission";
import { createScheduler } from "../master/scheduler";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  namespaces: findResource("", "v1", "namespaces")!,
  nodes: findResource("", "v1", "nodes")!,
  pods: findResource("", "v1", "pods")!,
  events: findResource("", "v1", "events")!,
  rs: findResource("apps", "v1", "replicasets")!,
  deploy: findResource("apps", "v1", "deployments")!,
};

const SA = "system:serviceaccount:kube-system:";
let api: InProcessApi;

before(async () => {
  api = await startInProcessApi({
    now: () => new Date(),
    namespacePrefix: "wp",
    components: (ctx) => [
      new NamespaceController(ctx, () => {}, 1000),
      new ReplicaSetController(ctx, { resyncMs: 1000 }),
      new DeploymentController(ctx, { resyncMs: 1000 }),
      createScheduler({ ctx, log: createLogger("write-path-test", "error") }),
    ],
  });
  await api.client(R.nodes).create({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "wp-node", labels: { "kubernetes.io/hostname": "wp-node" } },
    status: { capacity: { cpu: "4", memory: "8Gi", pods: "110" }, allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  });
});
after(() => api?.stop());

function deployment(ns: string, name: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "busybox" }] } } },
  };
}

/** Admission calls in `ns` (and of the namespace itself), as "<user> <operation> <resource>[/<sub>]". */
function record(ns: string): { seen: Set<string>; stop(): void } {
  const seen = new Set<string>();
  const plugin = {
    name: "test-recorder",
    validate(a: AdmissionAttributes) {
      if (a.namespace !== ns && !(a.resource === "namespaces" && a.name === ns)) return;
      seen.add(`${a.user.name} ${a.operation} ${a.resource}${a.subresource ? `/${a.subresource}` : ""}`);
    },
  };
  api.ctx.admission.push(plugin);
  return { seen, stop: () => api.ctx.admission.splice(api.ctx.admission.indexOf(plugin), 1) };
}

test("the controllers' and the scheduler's writes pass admission as their own users, the former bypasses included", async () => {
  const ns = await api.namespace();
  const recorder = record(ns);
  try {
    await api.client(R.deploy).create(deployment(ns, "web"));
    const pod = await waitFor("the Deployment's pod bound by the scheduler", async () => (await api.client(R.pods).list(ns)).find((p) => (p.spec as { nodeName?: string }).nodeName === "wp-node"));
    await waitFor("the revision annotation, written with the status", async () => (await api.client(R.deploy).get(ns, "web")).metadata.annotations?.["deployment.kubernetes.io/revision"] === "1");
    await api.client(R.namespaces).delete(undefined, ns);
    await waitFor("the namespace emptied and released", async () => (await api.client(R.namespaces).tryGet(undefined, ns)) === undefined);
    const expected = [
      `test-admin create deployments`,
      `${SA}deployment-controller create replicasets`,
      `${SA}deployment-controller update deployments/status`,
      `${SA}replicaset-controller create pods`,
      `system:kube-scheduler create pods/binding`,
      `${SA}namespace-controller delete deployments`,
      `${SA}namespace-controller update namespaces/finalize`,
    ];
    for (const line of expected) assert.ok(recorder.seen.has(line), `admission saw "${line}"; it saw:\n${[...recorder.seen].join("\n")}`);
    assert.ok(pod.metadata.name!.startsWith("web-"));
  } finally {
    recorder.stop();
  }
});

test("a validating rule refuses the deployment controller's invalid write with the same 422 the API gives", async () => {
  const ns = await api.namespace();
  const rule = {
    name: "test-replicasets-need-a-team",
    validate(a: AdmissionAttributes) {
      if (a.namespace !== ns || a.resource !== "replicasets" || a.operation !== "create" || a.object?.metadata.labels?.team) return;
      throw errors.invalid("apps", "ReplicaSet", a.name, [{ reason: "FieldValueRequired", field: "metadata.labels[team]", message: "Required value: every ReplicaSet names its team" }]);
    },
  };
  api.ctx.admission.push(rule);
  try {
    await api.client(R.deploy).create(deployment(ns, "web"));
    const event = await waitFor("the deployment controller's FailedCreate event", async () => (await api.client(R.events).list(ns)).find((e) => e.reason === "FailedCreate"));
    const rsName = /Failed to create new replica set "([^"]+)"/.exec(String(event.message))?.[1];
    assert.ok(rsName, String(event.message));
    // What the API answers the same ReplicaSet, asked by an admin.
    const apiError = await api.client(R.rs).create({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: rsName, namespace: ns, labels: { app: "web" } }, spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "busybox" }] } } } }).then(
      () => assert.fail("the API stored it"),
      (err: unknown) => err,
    );
    assert.ok(apiError instanceof ApiError && apiError.code === 422, String(apiError));
    assert.equal(apiError.message, `ReplicaSet "${rsName}" is invalid: metadata.labels[team]: Required value: every ReplicaSet names its team`);
    assert.equal(event.message, `Failed to create new replica set "${rsName}": ${apiError.message}`);
    assert.deepEqual(await api.client(R.rs).list(ns), [], "nothing was stored");
  } finally {
    api.ctx.admission.splice(api.ctx.admission.indexOf(rule), 1);
  }
});
