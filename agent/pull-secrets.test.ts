import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDockerConfig, pullCredentials, registryHost } from "./pull-secrets";
import { lookupFrom } from "./pod-spec/volume-data";

test("registry keys reduce to hosts; Docker Hub aliases to docker.io", () => {
  assert.equal(registryHost("https://index.docker.io/v1/"), "docker.io");
  assert.equal(registryHost("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  assert.equal(registryHost("Registry.Example.com"), "registry.example.com");
});

test("dockerconfigjson with user/password or base64 auth; dockercfg; garbage ignored", () => {
  const json = Buffer.from(JSON.stringify({ auths: { "127.0.0.1:5000": { auth: Buffer.from("alice:pw:with:colons").toString("base64") }, "https://index.docker.io/v1/": { username: "bob", password: "x" } } }));
  assert.deepEqual(parseDockerConfig("kubernetes.io/dockerconfigjson", { ".dockerconfigjson": json }), {
    "127.0.0.1:5000": { username: "alice", password: "pw:with:colons" },
    "docker.io": { username: "bob", password: "x" },
  });
  assert.deepEqual(parseDockerConfig("kubernetes.io/dockercfg", { ".dockercfg": Buffer.from(JSON.stringify({ "r.io": { registrytoken: "t" } })) }), { "r.io": { registryToken: "t" } });
  assert.deepEqual(parseDockerConfig("kubernetes.io/dockerconfigjson", { ".dockerconfigjson": Buffer.from("{nope") }), {});
});

test("a pod's imagePullSecrets, first secret wins, missing secrets skipped", () => {
  const mk = (name: string, host: string, user: string) => ({
    kind: "Secret" as const, namespace: "ns", name, resourceVersion: "1", exists: true, type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(JSON.stringify({ auths: { [host]: { username: user, password: "p" } } })) },
  });
  const data = lookupFrom([mk("a", "r.io", "first"), mk("b", "r.io", "second")]);
  const pod = { metadata: { namespace: "ns" }, spec: { containers: [], imagePullSecrets: [{ name: "missing" }, { name: "a" }, { name: "b" }] } };
  assert.deepEqual(pullCredentials(pod, data), { "r.io": { username: "first", password: "p" } });
});
