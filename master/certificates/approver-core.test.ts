import { test } from "node:test";
import assert from "node:assert/strict";
import { approvalFor } from "./approver-core";
import { BOOTSTRAPPER, NODE_CLIENT, NODE_SERVING, csrObject, nodeSubject, nodeUser } from "./testing/csr";

const addresses = (node: string) => (node === "node-b" ? ["10.0.0.2", "node-b"] : undefined);
const alice = { username: "alice", groups: ["system:authenticated"] };

test("node client requests: approved from a bootstrap token or from the node itself", async () => {
  const joining = await csrObject("a", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER });
  assert.equal(approvalFor(joining, addresses)?.message, "Auto approving kubelet client certificate after SubjectAccessReview.");
  const renewal = await csrObject("b", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...nodeUser("node-b") });
  assert.equal(approvalFor(renewal, addresses)?.message, "Auto approving self kubelet client certificate after SubjectAccessReview.");
});

test("node client requests stay pending: another node's name, a stranger, extra groups, wrong usages, already decided", async () => {
  assert.equal(approvalFor(await csrObject("a", { subject: nodeSubject("node-a"), ...NODE_CLIENT, ...nodeUser("node-b") }), addresses), undefined, "node-b asking for node-a");
  assert.equal(approvalFor(await csrObject("b", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...alice }), addresses), undefined, "alice");
  assert.equal(approvalFor(await csrObject("c", { subject: nodeSubject("node-b", { organizations: ["system:nodes", "system:masters"] }), ...NODE_CLIENT, ...BOOTSTRAPPER }), addresses), undefined, "asks for system:masters");
  assert.equal(approvalFor(await csrObject("d", { subject: nodeSubject("node-b"), ...NODE_CLIENT, usages: ["digital signature", "server auth"], ...BOOTSTRAPPER }), addresses), undefined);
  assert.equal(approvalFor(await csrObject("e", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER, conditions: [{ type: "Denied", status: "True" }] }), addresses), undefined);
});

test("node serving requests: only from the node itself, every name one of its Node's addresses", async () => {
  const ok = await csrObject("a", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.2"], dnsNames: ["node-b"] }), ...NODE_SERVING, ...nodeUser("node-b") });
  assert.equal(approvalFor(ok, addresses)?.reason, "AutoApproved");
  const foreignIp = await csrObject("b", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.9"] }), ...NODE_SERVING, ...nodeUser("node-b") });
  assert.equal(approvalFor(foreignIp, addresses), undefined);
  const fromBootstrap = await csrObject("c", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.2"] }), ...NODE_SERVING, ...BOOTSTRAPPER });
  assert.equal(approvalFor(fromBootstrap, addresses), undefined);
  const noNode = await csrObject("d", { subject: nodeSubject("node-c", { ipAddresses: ["10.0.0.2"] }), ...NODE_SERVING, ...nodeUser("node-c") });
  assert.equal(approvalFor(noNode, addresses), undefined, "no Node yet");
});
