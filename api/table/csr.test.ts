import assert from "node:assert/strict";
import { test } from "node:test";
import { csrPrinter } from "./csr";
import { HOUR, NOW, ago } from "./testing/clock";

const base = {
  apiVersion: "certificates.k8s.io/v1",
  kind: "CertificateSigningRequest",
  metadata: { name: "csr-abc", creationTimestamp: ago(2 * HOUR) },
  spec: { signerName: "kubernetes.io/kube-apiserver-client-kubelet", username: "system:bootstrap:abcdef", request: "", usages: ["client auth"] },
};

test("csr: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION", () => {
  assert.deepEqual(csrPrinter.columns.map((c) => c.name), ["Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"]);
  assert.deepEqual(csrPrinter.print(base, NOW).cells, ["csr-abc", "120m", "kubernetes.io/kube-apiserver-client-kubelet", "system:bootstrap:abcdef", "<none>", "Pending"]);
  const withDuration = { ...base, spec: { ...base.spec, expirationSeconds: 3600 } };
  assert.equal(csrPrinter.print(withDuration, NOW).cells[4], "60m");
});

test("csr condition: Denied wins over Approved; Failed and Issued are appended", () => {
  const cond = (types: string[], certificate?: string) => csrPrinter.print({ ...base, status: { conditions: types.map((type) => ({ type, status: "True" })), certificate } }, NOW).cells[5];
  assert.equal(cond(["Approved"], "Y2VydA=="), "Approved,Issued");
  assert.equal(cond(["Approved"]), "Approved");
  assert.equal(cond(["Denied"]), "Denied");
  assert.equal(cond(["Approved", "Failed"]), "Approved,Failed");
  assert.equal(cond([]), "Pending");
});
