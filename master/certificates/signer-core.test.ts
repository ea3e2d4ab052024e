import { test } from "node:test";
import assert from "node:assert/strict";
import { signingPlan } from "./signer-core";
import { BOOTSTRAPPER, NODE_CLIENT, NODE_SERVING, csrObject, nodeSubject, nodeUser } from "./testing/csr";

const now = new Date("2026-03-01T00:00:00Z");
const caEnd = new Date("2036-01-01T00:00:00Z");
const approved = [{ type: "Approved", status: "True" }];
const YEAR = 365 * 24 * 3600;

test("approved kubelet client requests are signed for the signing duration, backdated 5 minutes", async () => {
  const csr = await csrObject("a", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER, conditions: approved });
  const plan = signingPlan(csr, now, YEAR, caEnd);
  assert.ok(plan && "sign" in plan);
  assert.deepEqual(plan.sign.usages, ["client"]);
  assert.equal(plan.sign.notBefore.toISOString(), "2026-02-28T23:55:00.000Z");
  assert.equal(plan.sign.notAfter.toISOString(), "2027-03-01T00:00:00.000Z");
});

test("validity: the shorter of expirationSeconds and the signing duration, never past the CA; short ones start now", async () => {
  const csr = await csrObject("a", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER, conditions: approved, expirationSeconds: 3600 });
  const plan = signingPlan(csr, now, YEAR, caEnd);
  assert.ok(plan && "sign" in plan);
  assert.equal(plan.sign.notBefore.toISOString(), now.toISOString());
  assert.equal(plan.sign.notAfter.toISOString(), "2026-03-01T01:00:00.000Z");
  const capped = signingPlan(csr, now, 60, caEnd);
  assert.ok(capped && "sign" in capped);
  assert.equal(capped.sign.notAfter.getTime() - now.getTime(), 60_000);
  const late = signingPlan(await csrObject("b", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER, conditions: approved }), now, YEAR, new Date("2026-06-01T00:00:00Z"));
  assert.ok(late && "sign" in late);
  assert.equal(late.sign.notAfter.toISOString(), "2026-06-01T00:00:00.000Z");
});

test("nothing to sign: pending, denied, failed, issued, or another signer's", async () => {
  const base = { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER };
  assert.equal(signingPlan(await csrObject("a", base), now, YEAR, caEnd), undefined);
  assert.equal(signingPlan(await csrObject("b", { ...base, conditions: [{ type: "Denied", status: "True" }] }), now, YEAR, caEnd), undefined);
  assert.equal(signingPlan(await csrObject("c", { ...base, conditions: [...approved, { type: "Failed", status: "True" }] }), now, YEAR, caEnd), undefined);
  const issued = await csrObject("d", { ...base, conditions: approved });
  issued.status = { ...issued.status, certificate: "Zm9v" };
  assert.equal(signingPlan(issued, now, YEAR, caEnd), undefined);
  assert.equal(signingPlan(await csrObject("e", { ...base, signerName: "example.com/mine", conditions: approved }), now, YEAR, caEnd), undefined);
});

test("an approved request that breaks its signer's rules fails instead", async () => {
  const masters = await csrObject("a", { subject: nodeSubject("node-b", { organizations: ["system:masters"] }), ...NODE_CLIENT, ...BOOTSTRAPPER, conditions: approved });
  assert.deepEqual(signingPlan(masters, now, YEAR, caEnd), { fail: { reason: "SignerValidationFailure", message: "subject organization is not system:nodes" } });
  const serverForApiClient = await csrObject("b", { subject: { commonName: "alice" }, signerName: "kubernetes.io/kube-apiserver-client", usages: ["server auth"], username: "admin", groups: [], conditions: approved });
  const plan = signingPlan(serverForApiClient, now, YEAR, caEnd);
  assert.ok(plan && "fail" in plan);
  const serving = await csrObject("c", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.2"] }), ...NODE_SERVING, ...nodeUser("node-b"), conditions: approved });
  const s = signingPlan(serving, now, YEAR, caEnd);
  assert.ok(s && "sign" in s);
  assert.deepEqual(s.sign.usages, ["server"]);
});
