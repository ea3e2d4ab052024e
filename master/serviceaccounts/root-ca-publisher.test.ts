import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../api/object";
import { correctedRootCa } from "./root-ca-publisher";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const cm = (data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "kube-root-ca.crt", namespace: "web", resourceVersion: "7", ...(annotations ? { annotations } : {}) },
  data,
});

test("kube-root-ca.crt holds exactly ca.crt with the CA, and upstream's description", () => {
  const good = correctedRootCa(cm({ "ca.crt": "old" }), CA)!;
  assert.deepEqual(good.data, { "ca.crt": CA });
  assert.match(good.metadata.annotations!["kubernetes.io/description"], /^Contains a CA bundle that can be used to verify the kube-apiserver/);
  assert.equal(good.metadata.resourceVersion, "7");
  assert.equal(correctedRootCa(good, CA), undefined, "nothing to do");
  assert.deepEqual(correctedRootCa({ ...good, data: { "ca.crt": CA, extra: "x" } }, CA)!.data, { "ca.crt": CA });
  assert.ok(correctedRootCa(cm({ "ca.crt": CA }), CA), "the description is put back");
});
