// fieldValidation with the real kubectl (v1.32) against a real `gantry master`: kubectl sends
// `fieldValidation=Strict` by default, so a typo in `kubectl apply -f` is refused instead of
// silently dropped; `--validate=warn` prints a warning per unknown field; `--validate=false` is silent.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import type { Kubectl } from "./helpers/kubectl";
import type { ApiClient } from "./helpers/api-client";

let session: KubectlSession;
let kubectl: Kubectl;
let api: ApiClient;
const file = (name: string, content: string) => session.file(name, content);

before(async () => {
  session = await startKubectlSession();
  ({ kubectl, api } = session);
});

after(() => session?.stop());

const deployment = (name: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replcas: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx
${extra}`;

describe("fieldValidation", () => {
  test("kubectl apply (Strict by default) refuses an unknown field and creates nothing", async () => {
    const r = await kubectl.run(["apply", "-f", file("strict.yaml", deployment("strict", "        imagePullPolcy: Always\n"))]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /Error from server \(BadRequest\)/);
    assert.match(
      r.stderr,
      /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replcas", unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/,
    );
    const get = await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/strict");
    assert.equal(get.status, 404);
  });

  test("kubectl apply --validate=warn succeeds, prints a warning and drops the field", async () => {
    const r = await kubectl.run(["apply", "--validate=warn", "-f", file("warn.yaml", deployment("warned"))]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/warned created/);
    assert.match(r.stderr, /Warning: unknown field "spec\.replcas"/);
    const obj = (await api.request("GET", "/apis/apps/v1/namespaces/default/deployments/warned")).json<{ spec: Record<string, unknown> }>();
    assert.equal("replcas" in obj.spec, false);
  });

  test("kubectl apply --validate=false succeeds silently", async () => {
    const r = await kubectl.run(["apply", "--validate=false", "-f", file("ignore.yaml", deployment("ignored"))]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/ignored created/);
    assert.doesNotMatch(r.stderr, /unknown field/);
  });

  test("patches: only fields the patch introduces count; Strict refuses, Warn drops and warns", async () => {
    const clean = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: patched
spec:
  replicas: 1
  selector:
    matchLabels: {app: patched}
  template:
    metadata:
      labels: {app: patched}
    spec:
      containers:
      - name: web
        image: nginx
`;
    await kubectl.ok(["apply", "-f", file("patched.yaml", clean)]);
    assert.match(await kubectl.ok(["apply", "-f", file("patched.yaml", clean.replace("image: nginx", "image: nginx:1.27"))]), /configured/);
    const bad = await kubectl.run(["apply", "-f", file("patched.yaml", clean.replace("replicas: 1", "replicas: 1\n  paused2: true"))]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /strict decoding error: unknown field "spec\.paused2"/);
    // kubectl patch has no --validate and sends no fieldValidation: the raw API checks merge patches.
    const url = "/apis/apps/v1/namespaces/default/deployments/patched";
    const merge = await api.request("PATCH", `${url}?fieldValidation=Strict`, { spec: { replcas: 2 } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(merge.status, 400);
    assert.match(merge.json<{ message: string }>().message, /strict decoding error: unknown field "spec\.replcas"/);
    const jsonPatch = [{ op: "add", path: "/spec/template/spec/containers/0/imagePullPolcy", value: "Always" }];
    const warn = await api.request("PATCH", `${url}?fieldValidation=Warn`, jsonPatch, { "Content-Type": "application/json-patch+json" });
    assert.equal(warn.status, 200, warn.body);
    // The Deployment's template also gets Pod Security's restricted warnings; only the field ones are ours.
    const fieldWarnings = String(warn.headers.warning).split(/, (?=299 )/).filter((w) => !w.includes("PodSecurity"));
    assert.deepEqual(fieldWarnings, ['299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolcy\\""']);
    assert.equal(JSON.stringify(warn.json()).includes("imagePullPolcy"), false);
  });

  test("the raw API: Warn header, invalid value, Ignore when absent", async () => {
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1" }, data: { a: "b" }, dataa: { x: "y" } };
    const strict = await api.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body);
    assert.equal(strict.status, 400);
    assert.equal(strict.json<{ message: string }>().message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dataa"');
    const invalid = await api.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Bogus", body);
    assert.equal(invalid.status, 400);
    assert.match(invalid.json<{ message: string }>().message, /fieldValidation/);
    const warn = await api.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", body);
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"dataa\\""');
    const absent = await api.request("POST", "/api/v1/namespaces/default/configmaps", { ...body, metadata: { name: "cm2" } });
    assert.equal(absent.status, 201);
    assert.equal(absent.headers.warning, undefined);
  });
});
