import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createKeyAndCsr } from "../certificates/csr-build";
import { prepareForUpdate } from "../lifecycle";
import type { KubeObject } from "../object";
import { findResource } from "../resources";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertValid } from "./testing/assert-causes";

const csrs = findResource("certificates.k8s.io", "v1", "certificatesigningrequests")!;
let request = "";
before(async () => {
  request = Buffer.from((await createKeyAndCsr({ commonName: "system:node:a", organizations: ["system:nodes"] })).csrPem).toString("base64");
});

function csr(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: "csr-1", uid: "u1", resourceVersion: "5", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { request, signerName: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"], username: "system:bootstrap:abcdef", ...spec },
    status,
  };
}
const approved = { conditions: [{ type: "Approved", status: "True", reason: "AutoApproved" }] };

test("a well-formed request is valid", () => assertValid(validateCreate("CertificateSigningRequest", csr())));

test("request, signerName and usages are checked as upstream does", () => {
  const causes = validateCreate("CertificateSigningRequest", csr({ request: Buffer.from("nope").toString("base64"), signerName: "nodomain", usages: ["client auth", "client auth", "flying"] }));
  assertCause(causes, "spec.request", "Invalid value: \"<request data>\": PEM block type must be CERTIFICATE REQUEST");
  assertCause(causes, "spec.signerName", "Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'");
  assertCause(causes, "spec.usages[1]", 'Duplicate value: "client auth"');
  assert.ok(causes.some((c) => c.field === "spec.usages[2]" && c.message.startsWith('Unsupported value: "flying"')));
  const missing = validateCreate("CertificateSigningRequest", csr({ request: undefined, signerName: undefined, usages: [] }));
  assertCause(missing, "spec.request", "Required value");
  assertCause(missing, "spec.signerName", "Required value");
  assertCause(missing, "spec.usages", "Required value: usages must be provided");
  assertCause(validateCreate("CertificateSigningRequest", csr({ signerName: "kubernetes.io/legacy-unknown" })), "spec.signerName", 'Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version');
  assertCause(validateCreate("CertificateSigningRequest", csr({ expirationSeconds: 599 })), "spec.expirationSeconds", "Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)");
});

test("approval: Approved and Denied exclude each other and cannot be taken back", () => {
  const both = csr({}, { conditions: [{ type: "Approved", status: "True" }, { type: "Denied", status: "True" }] });
  assertCause(validateUpdate("CertificateSigningRequest", both, csr(), "approval"), "status.conditions", 'Invalid value: "Approved, Denied": Approved and Denied conditions are mutually exclusive');
  assertCause(validateUpdate("CertificateSigningRequest", csr({}, {}), csr({}, approved), "approval"), "status.conditions", 'Forbidden: updates may not remove a condition of type "Approved"');
  assertCause(validateUpdate("CertificateSigningRequest", csr({}, { conditions: [{ type: "Approved", status: "False" }] }), csr(), "approval"), "status.conditions[0].status", 'Unsupported value: "False": supported values: "True"');
  assertValid(validateUpdate("CertificateSigningRequest", csr({}, approved), csr(), "approval"));
});

test("status: a certificate only for an approved request, and never replaced", () => {
  const cert = Buffer.from("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").toString("base64");
  assertCause(validateUpdate("CertificateSigningRequest", csr({}, { certificate: cert }), csr(), "status"), "status.certificate", "Forbidden: a certificate may only be issued for an approved request");
  assertValid(validateUpdate("CertificateSigningRequest", csr({}, { ...approved, certificate: cert }), csr({}, approved), "status"));
  const other = Buffer.from("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n").toString("base64");
  assertCause(validateUpdate("CertificateSigningRequest", csr({}, { ...approved, certificate: other }), csr({}, { ...approved, certificate: cert }), "status"), "status.certificate", "Forbidden: updates may not modify existing certificate content");
});

test("strategies: the spec never changes; /approval writes conditions only; /status cannot approve", () => {
  const ctx = { now: new Date("2026-01-02T00:00:00Z"), newUid: () => "x", random: Math.random };
  const stored = csr();
  const sneaky = csr({ signerName: "example.com/other", username: "system:admin" }, { ...approved, certificate: "Zm9v" });
  const main = prepareForUpdate(csrs, sneaky, stored, ctx);
  assert.deepEqual(main.spec, stored.spec);
  assert.deepEqual(main.status, stored.status);
  const viaApproval = prepareForUpdate(csrs, sneaky, stored, { ...ctx, subresource: "approval" });
  assert.deepEqual(viaApproval.spec, stored.spec);
  assert.equal((viaApproval.status as { certificate?: string }).certificate, undefined);
  const cond = (viaApproval.status as { conditions: { type: string; lastUpdateTime: string; lastTransitionTime: string }[] }).conditions[0];
  assert.deepEqual([cond.type, cond.lastUpdateTime, cond.lastTransitionTime], ["Approved", "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z"]);
  const viaStatus = prepareForUpdate(csrs, sneaky, stored, { ...ctx, subresource: "status" });
  assert.equal((viaStatus.status as { certificate?: string }).certificate, "Zm9v");
  assert.equal((viaStatus.status as { conditions?: unknown[] }).conditions, undefined, "the signer cannot approve");
});
