// The authorization reviews, impersonation and user kubeconfigs end to end: one real `gantry
// master`, the real kubectl 1.32 (`auth whoami`, `auth can-i` with --list, paths and --as), and
// `gantry kubeconfig` certificates. The authorizer is the master's chain (master/auth/authorize.ts):
// the admin may do everything, nodes what the Node authorizer allows, everyone else what RBAC
// grants — so alice gets her rights from bindings the tests make.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { createKeyAndCsr } from "../api/certificates/csr-build";
import { Kubectl } from "./helpers/kubectl";
import { startKubectlSession, type KubectlSession } from "./helpers/kubectl-session";
import { waitFor } from "./helpers/wait";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const run = promisify(execFile);

let s: KubectlSession;
let scratch: string;
const kubectls: Kubectl[] = [];

/** A kubectl with a kubeconfig from `gantry kubeconfig` for `user` in `groups`. */
async function kubectlAs(user: string, groups: string[]): Promise<Kubectl> {
  const out = path.join(scratch, `${user.replaceAll(":", "-")}.conf`);
  await run(process.execPath, [GANTRY, "kubeconfig", "--user", user, ...groups.flatMap((g) => ["--group", g]), "--data-dir", s.master.dataDir, "--out", out]);
  const k = new Kubectl(out);
  kubectls.push(k);
  return k;
}

const NODE_AS = ["--as=system:node:x", "--as-group=system:nodes"];

before(async () => {
  s = await startKubectlSession();
  scratch = mkdtempSync(path.join(os.tmpdir(), "gantry-auth-reviews-"));
});

after(async () => {
  for (const k of kubectls) k.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await s?.stop();
});

describe("kubectl auth for the admin", () => {
  test("whoami names the admin; can-i answers yes for resources, paths and the listed rules", async () => {
    assert.match(await s.kubectl.ok(["auth", "whoami"]), /Username\s+kubernetes-admin\s+Groups\s+\[system:masters system:authenticated\]/);
    assert.equal((await s.kubectl.ok(["auth", "can-i", "create", "pods"])).trim(), "yes");
    assert.equal((await s.kubectl.ok(["auth", "can-i", "get", "/metrics"])).trim(), "yes");
    const list = await s.kubectl.ok(["auth", "can-i", "--list"]);
    assert.match(list, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m, list);
    assert.match(list, /^\s+\[\*\]\s+\[\]\s+\[\*\]$/m, list);
  });

  test("impersonating a node (--as/--as-group) asks the authorizer about the node: secrets no, whoami the node", async () => {
    const r = await s.kubectl.run(["auth", "can-i", "get", "secrets", ...NODE_AS]);
    assert.deepEqual([r.code, r.stdout.trim().split(" ")[0]], [1, "no"], r.stderr);
    assert.equal((await s.kubectl.ok(["auth", "can-i", "get", "services", ...NODE_AS])).trim(), "yes");
    assert.match(await s.kubectl.ok(["auth", "whoami", ...NODE_AS]), /Username\s+system:node:x\s+Groups\s+\[system:nodes system:authenticated\]/);
    // A service account gets its groups; without a binding RBAC lets it create nothing.
    assert.match(await s.kubectl.ok(["auth", "whoami", "--as=system:serviceaccount:ns:sa"]), /Groups\s+\[system:serviceaccounts system:serviceaccounts:ns system:authenticated\]/);
    const sa = await s.kubectl.run(["auth", "can-i", "create", "pods", "--as=system:serviceaccount:ns:sa"]);
    assert.deepEqual([sa.code, sa.stdout.trim()], [1, "no"], sa.stderr);
  });

  test("the registry's writes see the impersonated user (a CSR records its requester)", async () => {
    const csr = {
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name: "impersonated" },
      spec: { request: Buffer.from((await createKeyAndCsr({ commonName: "alice" })).csrPem).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client", usages: ["client auth"] },
    };
    // devs may ask for certificates (a ClusterRole bound to the group), and so alice may.
    await s.kubectl.ok(["create", "clusterrole", "csr-requester", "--verb=create,get", "--resource=certificatesigningrequests.certificates.k8s.io"]);
    await s.kubectl.ok(["create", "clusterrolebinding", "devs-request-csrs", "--clusterrole=csr-requester", "--group=devs"]);
    await waitFor("the binding in the RBAC cache", async () => (await s.kubectl.ok(["auth", "can-i", "create", "csr", "--as=alice", "--as-group=devs"]).catch(() => "no")).trim() === "yes");
    await s.kubectl.ok(["create", "-f", s.file("csr.json", JSON.stringify(csr)), "--as=alice", "--as-group=devs"]);
    const recorded = JSON.parse(await s.kubectl.ok(["get", "csr", "impersonated", "-o", "json"])) as { spec: { username: string; groups: string[] } };
    assert.deepEqual([recorded.spec.username, recorded.spec.groups], ["alice", ["devs", "system:authenticated"]]);
  });

  test("streaming upgrades (exec) act as the impersonated user too", async () => {
    const upgrade = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io" };
    const exec = "/api/v1/namespaces/default/pods/nopod/exec?command=true&stdout=true";
    assert.equal((await s.api.request("GET", exec, undefined, upgrade)).status, 404, "the admin reaches the missing pod");
    const asNode = await s.api.request("GET", exec, undefined, { ...upgrade, "Impersonate-User": "system:node:x", "Impersonate-Group": "system:nodes" });
    assert.equal(asNode.status, 403, asNode.body);
    assert.match(asNode.body, /User \\?"system:node:x\\?" cannot create resource \\?"pods\/exec\\?"/);
  });
});

describe("user kubeconfigs from gantry kubeconfig", () => {
  test("alice in devs is who the API sees", async () => {
    const alice = await kubectlAs("alice", ["devs"]);
    assert.match(await alice.ok(["auth", "whoami"]), /Username\s+alice\s+Groups\s+\[devs system:authenticated\]/);
    // RBAC lists what her bindings give: system:basic-user's reviews and discovery for everyone,
    // the CSR rule through devs (the test above), and nothing more.
    const list = await alice.ok(["auth", "can-i", "--list"]);
    assert.match(list, /^selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]$/m, list);
    assert.match(list, /^certificatesigningrequests.certificates.k8s.io\s+\[\]\s+\[\]\s+\[create get\]$/m, list);
    assert.doesNotMatch(list, /^\*\.\*/m, list);
    const r = await alice.run(["get", "pods"]);
    assert.match(r.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/);
    await s.kubectl.ok(["create", "rolebinding", "devs-view", "--clusterrole=view", "--group=devs", "-n", "default"]);
    await waitFor("alice may list pods in default", async () => (await alice.run(["get", "pods"])).code === 0);
    assert.match((await alice.run(["get", "pods", "-n", "kube-system"])).stderr, /cannot list resource "pods" in API group "" in the namespace "kube-system"/);
  });

  test("system:masters needs --allow-masters", async () => {
    await assert.rejects(run(process.execPath, [GANTRY, "kubeconfig", "--user", "bob", "--group", "system:masters", "--data-dir", s.master.dataDir]), /pass --allow-masters/);
  });

  test("a user without impersonate rights gets a 403 for --as", async () => {
    const node = await kubectlAs("system:node:y", ["system:nodes"]);
    const r = await node.run(["auth", "can-i", "get", "pods", "--as=alice"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /users "alice" is forbidden: User "system:node:y" cannot impersonate resource "users" in API group "" at the cluster scope/);
  });
});

describe("review objects over the API", () => {
  test("SubjectAccessReview and LocalSubjectAccessReview decide for the named subject", async () => {
    const secrets = { namespace: "default", verb: "get", resource: "secrets" };
    const sar = async (spec: object, path = "/apis/authorization.k8s.io/v1/subjectaccessreviews", kind = "SubjectAccessReview") => {
      const r = await s.api.request("POST", path, { apiVersion: "authorization.k8s.io/v1", kind, spec });
      return { status: r.status, body: r.json<{ status?: { allowed: boolean }; message?: string }>() };
    };
    assert.deepEqual((await sar({ user: "system:node:x", groups: ["system:nodes"], resourceAttributes: secrets })).body.status?.allowed, false);
    assert.deepEqual((await sar({ user: "alice", groups: ["devs"], resourceAttributes: secrets })).body.status?.allowed, false, "view does not read Secrets");
    assert.deepEqual((await sar({ user: "alice", groups: ["devs"], resourceAttributes: { ...secrets, resource: "configmaps" } })).body.status?.allowed, true, "view reads ConfigMaps");
    assert.deepEqual((await sar({ user: "root", groups: ["system:masters"], resourceAttributes: secrets })).body.status?.allowed, true);
    const local = "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews";
    assert.deepEqual((await sar({ user: "system:node:x", groups: ["system:nodes"], resourceAttributes: secrets }, local, "LocalSubjectAccessReview")).body.status?.allowed, false);

    const noSubject = await sar({ resourceAttributes: secrets });
    assert.equal(noSubject.status, 422);
    assert.match(noSubject.body.message ?? "", /spec.user: Invalid value: "": at least one of user or group must be specified/);
    const both = await sar({ user: "a", resourceAttributes: secrets, nonResourceAttributes: { path: "/x", verb: "get" } });
    assert.equal(both.status, 422);
    assert.match(both.body.message ?? "", /spec.nonResourceAttributes: .*cannot be specified in combination with resourceAttributes/);
    const otherNamespace = await sar({ user: "a", resourceAttributes: { ...secrets, namespace: "kube-system" } }, local, "LocalSubjectAccessReview");
    assert.equal(otherNamespace.status, 422);
    assert.match(otherNamespace.body.message ?? "", /spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace/);
  });

  test("TokenReview authenticates a service-account token as the API would, for its audiences", async () => {
    await s.kubectl.ok(["create", "serviceaccount", "reviewed"]);
    const token = (await s.kubectl.ok(["create", "token", "reviewed"])).trim();
    const review = async (spec: object) => {
      const r = await s.api.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec });
      assert.equal(r.status, 201, r.body);
      return r.json<{ status: { authenticated: boolean; user?: { username?: string; groups?: string[] }; audiences?: string[]; error?: string } }>().status;
    };
    const ok = await review({ token });
    assert.deepEqual([ok.authenticated, ok.user?.username, ok.user?.groups], [true, "system:serviceaccount:default:reviewed", ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]]);
    assert.deepEqual(ok.audiences, ["https://kubernetes.default.svc.cluster.local"]);
    const elsewhere = await review({ token, audiences: ["vault"] });
    assert.deepEqual([elsewhere.authenticated, elsewhere.error], [false, 'token audiences ["https://kubernetes.default.svc.cluster.local"] is invalid for the target audiences ["vault"]']);
    assert.equal((await review({ token: "not-a-token" })).authenticated, false);
  });
});
