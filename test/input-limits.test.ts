// Limits on what a request may carry, against a real master: nesting depth for JSON, YAML,
// protobuf and patch bodies (answered in milliseconds, nothing stored), a JSON patch that grows
// the object exponentially (a 413, with the master's memory bounded), and boolean query
// parameters the way clients spell them (the official Python client's `watch=True`).

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promisify } from "node:util";
import { MAX_NESTING_DEPTH } from "../api/decode/nesting";
import { body as protobufBody, bytes, encode, msg, str, type Part } from "../master/apiserver/protobuf/testing/wire";
import type { ApiClient } from "./helpers/api-client";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";

let session: KubectlSession;
let api: ApiClient;

before(async () => {
  session = await startKubectlSession();
  api = session.api;
});

after(() => session?.stop());

const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
const JSON_BODY = { "Content-Type": "application/json" };
const YAML_BODY = { "Content-Type": "application/yaml" };

/** `{"x":{"x":…inner…}}`, `levels` objects around `inner`. */
const nestJson = (levels: number, inner: string) => '{"x":'.repeat(levels) + inner + "}".repeat(levels);
/** A ConfigMap whose managedFields[0].fieldsV1 (any JSON, as in Kubernetes) nests the whole body `depth` levels. */
const deepFieldsV1 = (name: string, depth: number) =>
  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}","managedFields":[{"manager":"t","operation":"Update","fieldsType":"FieldsV1","fieldsV1":${nestJson(depth - 5, "{}")}}]}}`;

function masterPeakRssKb(): number {
  const status = readFileSync(`/proc/${session.master.process.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, Math.round(performance.now() - started)];
}

async function assertAbsent(path: string): Promise<void> {
  assert.equal((await api.request("GET", path)).status, 404, `${path} was stored`);
}

describe("nesting depth", () => {
  test("a JSON body nested 10,001 levels is a 400 naming the problem, in milliseconds; nothing is stored", async (t) => {
    const [r, ms] = await timed(() => api.request("POST", CONFIGMAPS, deepFieldsV1("deep-json", 10_001), JSON_BODY));
    t.diagnostic(`JSON depth bomb (10,001 levels) answered ${r.status} in ${ms} ms`);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.match(r.json<{ message: string }>().message, /^the request body nests objects and arrays more than 1500 levels deep/);
    assert.ok(ms < 1000, `${ms} ms`);
    const [bomb, bombMs] = await timed(() => api.request("POST", CONFIGMAPS, "[".repeat(3 * 1024 * 1024 - 16), JSON_BODY));
    t.diagnostic(`3 MiB of '[' answered ${bomb.status} in ${bombMs} ms`);
    assert.equal(bomb.status, 400);
    await assertAbsent(`${CONFIGMAPS}/deep-json`);
  });

  test(`a JSON body as deep as the limit (${MAX_NESTING_DEPTH}) is stored, read back, updated and patched`, async () => {
    const created = await api.request("POST", CONFIGMAPS, deepFieldsV1("at-limit", MAX_NESTING_DEPTH), JSON_BODY);
    assert.equal(created.status, 201, created.body.slice(0, 300));
    const got = await api.request("GET", `${CONFIGMAPS}/at-limit`);
    assert.equal(got.status, 200);
    assert.equal(got.body.length > 2 * MAX_NESTING_DEPTH, true);
    const put = await api.request("PUT", `${CONFIGMAPS}/at-limit`, deepFieldsV1("at-limit", MAX_NESTING_DEPTH).replace('"manager":"t"', '"manager":"u"'), JSON_BODY);
    assert.equal(put.status, 200, put.body.slice(0, 300));
    const merge = await api.request("PATCH", `${CONFIGMAPS}/at-limit`, { data: { a: "b" } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(merge.status, 200, merge.body.slice(0, 300));
    const json = await api.request("PATCH", `${CONFIGMAPS}/at-limit`, [{ op: "add", path: "/data/c", value: "d" }], { "Content-Type": "application/json-patch+json" });
    assert.equal(json.status, 200, json.body.slice(0, 300));
  });

  test("an unknown field 1,000 levels deep under fieldValidation=Strict is a 400 and nothing is stored", async () => {
    // The annotation value must be a string: Kubernetes' decoder refuses the object at once;
    // Gantry used to stop looking there and store whatever was below.
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"unknown-deep","annotations":{"a":${nestJson(997, '{"unknownField":1}')}}}}`;
    const r = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Strict`, body, JSON_BODY);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.equal(
      r.json<{ message: string }>().message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ObjectMeta.metadata.annotations.a of type string',
    );
    await assertAbsent(`${CONFIGMAPS}/unknown-deep`);
    const deployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"replicas-deep"},"spec":{"replicas":${nestJson(995, '{"unknownField":1}')},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`;
    const d = await api.request("POST", "/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict", deployment, JSON_BODY);
    assert.equal(d.status, 400, d.body.slice(0, 300));
    assert.match(d.json<{ message: string }>().message, /cannot unmarshal object into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
    await assertAbsent("/apis/apps/v1/namespaces/default/deployments/replicas-deep");
  });

  test("YAML bodies: created like JSON, too deep in milliseconds, unknown fields refused, alias bombs refused", async (t) => {
    const created = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Strict`, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  mode: '0644'\nbinaryData: {}\n", YAML_BODY);
    assert.equal(created.status, 201, created.body);
    const secret = await api.request("POST", "/api/v1/namespaces/default/secrets", "apiVersion: v1\nkind: Secret\nmetadata: {name: yaml-secret}\nstringData: {a: b}\n", YAML_BODY);
    assert.equal(secret.status, 201, secret.body);

    const deep = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-yaml\n  managedFields:\n  - fieldsV1: " + "[".repeat(10_001) + "]".repeat(10_001) + "\n";
    const [r, ms] = await timed(() => api.request("POST", CONFIGMAPS, deep, YAML_BODY));
    t.diagnostic(`YAML depth bomb (10,001 levels) answered ${r.status} in ${ms} ms`);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.match(r.json<{ message: string }>().message, /nests objects and arrays more than 1500 levels deep/);
    assert.ok(ms < 2000, `${ms} ms`);
    await assertAbsent(`${CONFIGMAPS}/deep-yaml`);

    let unknown = "{unknownField: 1}";
    for (let i = 0; i < 997; i++) unknown = `{x: ${unknown}}`;
    const u = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Strict`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unknown-yaml\n  annotations:\n    a: ${unknown}\n`, YAML_BODY);
    assert.equal(u.status, 400, u.body.slice(0, 300));
    assert.match(u.json<{ message: string }>().message, /cannot unmarshal object into Go struct field ObjectMeta\.metadata\.annotations\.a of type string/);
    const typo = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Strict`, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo-yaml}\ndta: {a: b}\n", YAML_BODY);
    assert.equal(typo.status, 400);
    assert.match(typo.json<{ message: string }>().message, /strict decoding error: unknown field "dta"/);
    await assertAbsent(`${CONFIGMAPS}/unknown-yaml`);

    let laughs = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: laughs}\nl0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) laughs += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(",")}]\n`;
    const [bomb, bombMs] = await timed(() => api.request("POST", CONFIGMAPS, laughs, YAML_BODY));
    t.diagnostic(`YAML billion laughs answered ${bomb.status} in ${bombMs} ms`);
    assert.equal(bomb.status, 400);
    assert.match(bomb.json<{ message: string }>().message, /Excessive alias count/);
    await assertAbsent(`${CONFIGMAPS}/laughs`);
  });

  test("protobuf bodies: JSON inside them nested 10,001 levels is a 400; nested groups are refused", async (t) => {
    const configMap = (name: string, fieldsV1: string) =>
      protobufBody("v1", "ConfigMap", msg(1, str(1, name), msg(17, str(1, "t"), str(2, "Update"), str(6, "FieldsV1"), msg(7, bytes(1, Buffer.from(fieldsV1))))));
    const headers = { "Content-Type": "application/vnd.kubernetes.protobuf" };
    const ok = await api.request("POST", CONFIGMAPS, configMap("pb-ok", nestJson(100, "{}")), headers);
    assert.equal(ok.status, 201, ok.body.slice(0, 300));
    const [r, ms] = await timed(() => api.request("POST", CONFIGMAPS, configMap("pb-deep", nestJson(10_001, "{}")), headers));
    t.diagnostic(`protobuf body with JSON nested 10,001 levels answered ${r.status} in ${ms} ms`);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.match(r.json<{ message: string }>().message, /nests objects and arrays more than 1500 levels deep/);
    // The whole object counts: the 4 levels around fieldsV1 push its 1,498 over the limit.
    const over = await api.request("POST", CONFIGMAPS, configMap("pb-over", nestJson(MAX_NESTING_DEPTH - 3, "{}")), headers);
    assert.equal(over.status, 400, over.body.slice(0, 300));
    // 100,000 nested start-group tags: protobufjs skips a group by recursing into it.
    const groupBomb: Part = (w) => {
      for (let i = 0; i < 100_000; i++) w.uint32((15 << 3) | 3);
    };
    for (const bomb of [protobufBody("v1", "ConfigMap", msg(1, str(1, "pb-groups")), groupBomb), Buffer.concat([protobufBody("v1", "ConfigMap", msg(1, str(1, "pb-groups"))), encode(groupBomb)])]) {
      const [g, gms] = await timed(() => api.request("POST", CONFIGMAPS, bomb, headers));
      t.diagnostic(`protobuf body with 100,000 nested groups answered ${g.status} in ${gms} ms: ${g.json<{ message: string }>().message}`);
      assert.equal(g.status, 400, g.body.slice(0, 300));
    }
    await assertAbsent(`${CONFIGMAPS}/pb-groups`);
    await assertAbsent(`${CONFIGMAPS}/pb-deep`);
    await assertAbsent(`${CONFIGMAPS}/pb-over`);
  });

  test("patch bodies of every type nested 10,001 levels are a 400; server-side apply is a 415", async (t) => {
    const created = await api.request("POST", CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "patched" }, data: { a: "b" } });
    assert.equal(created.status, 201);
    const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const deep = nestJson(10_001, "{}");
    const bodies: Record<string, string> = {
      "application/json-patch+json": `[{"op":"add","path":"/data/x","value":${deep}}]`,
      "application/merge-patch+json": `{"data":${deep}}`,
      "application/strategic-merge-patch+json": `{"data":${deep}}`,
    };
    for (const [type, patch] of Object.entries(bodies)) {
      const [r, ms] = await timed(() => api.request("PATCH", `${CONFIGMAPS}/patched`, patch, { "Content-Type": type }));
      t.diagnostic(`${type} nested 10,001 levels answered ${r.status} in ${ms} ms`);
      assert.equal(r.status, 400, `${type}: ${r.body.slice(0, 300)}`);
      assert.match(r.json<{ message: string }>().message, /^the patch nests objects and arrays more than 1500 levels deep/);
    }
    const strict = await api.request("PATCH", `${CONFIGMAPS}/patched?fieldValidation=Strict`, `{"metadata":{"annotations":{"a":${nestJson(996, '{"unknownField":1}')}}}}`, { "Content-Type": "application/merge-patch+json" });
    assert.equal(strict.status, 400, strict.body.slice(0, 300));
    const apply = await api.request("PATCH", `${CONFIGMAPS}/patched`, "data:\n  a: c\n", { "Content-Type": "application/apply-patch+yaml" });
    assert.equal(apply.status, 415);
    const after = await api.request("GET", `${CONFIGMAPS}/patched`);
    assert.equal(after.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion, rv, "the ConfigMap is unchanged");
  });
});

describe("patch size", () => {
  test("14 copies of a 200 KB ConfigMap's data: a 413 in well under a second, the master's memory bounded, nothing changed", async (t) => {
    const data = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(10_000)]));
    const created = await api.request("POST", CONFIGMAPS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bomb-target" }, data });
    assert.equal(created.status, 201);
    const before = created.json<{ metadata: { resourceVersion: string } }>();
    const peakBefore = masterPeakRssKb();
    const ops = Array.from({ length: 14 }, (_, i) => ({ op: "copy", from: "/data", path: `/data/b${i}` }));
    const [r, ms] = await timed(() => api.request("PATCH", `${CONFIGMAPS}/bomb-target`, ops, { "Content-Type": "application/json-patch+json" }));
    const peakAfter = masterPeakRssKb();
    t.diagnostic(`copy bomb answered ${r.status} in ${ms} ms; master peak RSS (VmHWM) ${Math.round(peakBefore / 1024)} MB before, ${Math.round(peakAfter / 1024)} MB after`);
    assert.equal(r.status, 413, r.body.slice(0, 300));
    assert.equal(r.json<{ reason: string }>().reason, "RequestEntityTooLarge");
    assert.match(r.json<{ message: string }>().message, /^ConfigMap "bomb-target" is too large to store: more than 3145728 bytes serialized after operation 4 \(copy to \/data\/b3\)/);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(peakAfter - peakBefore < 100 * 1024, `peak RSS grew ${peakAfter - peakBefore} kB`);
    const now = (await api.request("GET", `${CONFIGMAPS}/bomb-target`)).json<{ metadata: { resourceVersion: string }; data: Record<string, string> }>();
    assert.equal(now.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(Object.keys(now.data), Object.keys(data));
  });
});

describe("boolean query parameters", () => {
  test("?watch=True gets a watch stream; ?watch=yes is a 400 naming the parameter", async () => {
    const events = await api.watch(`${CONFIGMAPS}?watch=True&timeoutSeconds=2`, (e) => e.length > 0, 5000);
    assert.ok(events.length > 0 && events.every((e) => e.type === "ADDED"), JSON.stringify(events).slice(0, 300));
    const bad = await api.request("GET", `${CONFIGMAPS}?watch=yes`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json<{ message: string }>().message, 'invalid value for watch: strconv.ParseBool: parsing "yes": invalid syntax');
    const bookmarks = await api.request("GET", `${CONFIGMAPS}?watch=1&allowWatchBookmarks=sure`);
    assert.equal(bookmarks.status, 400);
    const orphan = await api.request("DELETE", `${CONFIGMAPS}/from-yaml?orphanDependents=maybe`);
    assert.equal(orphan.status, 400);
  });

  test("the official Python client's watch (watch=True) sees ADDED events", async () => {
    assert.equal((await api.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "py-watch" } })).status, 201);
    assert.equal((await api.request("POST", "/api/v1/namespaces/py-watch/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "before" } })).status, 201);
    const script = `
import json, sys
from kubernetes import client, config, watch
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
seen = []
w = watch.Watch()
for event in w.stream(v1.list_namespaced_config_map, "py-watch", timeout_seconds=10):
    name = event["object"].metadata.name
    seen.append([event["type"], name])
    if name == "before":
        v1.create_namespaced_config_map("py-watch", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="during")))
    if name == "during":
        w.stop()
print(json.dumps(seen))
`;
    // Debian's python3-kubernetes lives in the system Python, not in whatever python3 is first on PATH.
    const { stdout } = await promisify(execFile)("/usr/bin/python3", ["-c", script, session.master.kubeconfig], { timeout: 30_000 });
    const seen = JSON.parse(stdout.trim().split("\n").pop()!) as [string, string][];
    // The namespace's kube-root-ca.crt (written by its controller) may show up in between.
    assert.deepEqual(seen.filter(([, name]) => name !== "kube-root-ca.crt"), [["ADDED", "before"], ["ADDED", "during"]]);
  });
});
