import { test } from "node:test";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";

const meta = { name: "cfg", namespace: "default", resourceVersion: "7" };

test("configmap keys are config keys; data and binaryData may not share a key", () => {
  assertValid(validateCreate("ConfigMap", { kind: "ConfigMap", metadata: meta, data: { "app.properties": "x", KEY_NAME: "y" } }));
  const causes = validateCreate("ConfigMap", { kind: "ConfigMap", metadata: meta, data: { "a/b": "x", dup: "1" }, binaryData: { dup: "AQ==" } });
  assertCause(causes, "data[a/b]", `Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
  assertCause(causes, "data[dup]", 'Invalid value: "dup": duplicate of key present in binaryData');
});

test("configmap payload is capped at 1 MiB", () => {
  const big = { kind: "ConfigMap", metadata: meta, data: { a: "x".repeat(1024 * 1024), b: "y" } };
  assertCauses(validateCreate("ConfigMap", big), [["", "Too long: must have at most 1048576 bytes"]]);
  assertValid(validateCreate("ConfigMap", { kind: "ConfigMap", metadata: meta, data: { a: "x".repeat(1024 * 1024) } }));
});

test("secret data is base64 and capped at 1 MiB of decoded bytes", () => {
  const bad = validateCreate("Secret", { kind: "Secret", type: "Opaque", metadata: meta, data: { token: "not base64!" } });
  assertCauses(bad, [["data[token]", 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3']]);
  const oneMiB = Buffer.alloc(1024 * 1024 + 1).toString("base64");
  assertCauses(validateCreate("Secret", { kind: "Secret", type: "Opaque", metadata: meta, data: { blob: oneMiB } }), [["data", "Too long: must have at most 1048576 bytes"]]);
});

test("secret types require their keys", () => {
  const tls = validateCreate("Secret", { kind: "Secret", type: "kubernetes.io/tls", metadata: meta, data: { "tls.crt": "AA==" } });
  assertCauses(tls, [["data[tls.key]", "Required value"]]);
  const docker = validateCreate("Secret", { kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: meta, data: { ".dockerconfigjson": btoa("[1]") } });
  assertCause(docker, "data[.dockerconfigjson]", 'Invalid value: "<secret contents redacted>": json: cannot unmarshal into Go value of type map[string]interface {}');
  const sa = validateCreate("Secret", { kind: "Secret", type: "kubernetes.io/service-account-token", metadata: meta });
  assertCauses(sa, [["metadata.annotations[kubernetes.io/service-account.name]", "Required value"]]);
});

test("immutable configmaps and secrets, and a secret's type, never change", () => {
  const old = { kind: "ConfigMap", metadata: meta, immutable: true, data: { a: "1" } };
  const causes = validateUpdate("ConfigMap", { ...old, immutable: false, data: { a: "2" } }, old);
  assertCause(causes, "immutable", "Forbidden: field is immutable when `immutable` is set");
  assertCause(causes, "data", "Forbidden: field is immutable when `immutable` is set");
  const secret = { kind: "Secret", metadata: meta, type: "Opaque", data: {} };
  assertCauses(validateUpdate("Secret", { ...secret, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }, secret), [
    ["type", 'Invalid value: "kubernetes.io/tls": field is immutable'],
  ]);
});
