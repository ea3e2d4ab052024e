// Secure join, end to end on the multi-host topology: `gantry init` on the master host prints the
// join command; `gantry join` with it on other hosts makes nodes (discovery with the CA pin, TLS
// bootstrap, the node's own certificate); a pod runs there. Refusals: a wrong CA hash stops the
// join before the token is sent (no CSR, no Node), a wrong or expired token gets 401 and creates
// nothing. Node authorization: node-b's certificate cannot patch node-a, read a Secret of a pod
// that is not on node-b, or exec into a pod (403, Kubernetes' wording). Certificates are signed
// for 90 s here (`--cluster-signing-duration`), so the agents' renewal at 70–90% of the lifetime
// is watched happening. The join time (command → node Ready) is measured and printed. Last,
// `gantry reset` on node-b's host stops its agent and removes its containers, pod network,
// service proxy table, cgroup and state.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createKeyAndCsr } from "../api/certificates/csr-build";
import { cgroupDirs } from "../runtime/runc/cgroups";
import { mountsUnder, readMountInfo } from "../runtime/rootfs/mountinfo";
import { startCluster, API_PORT, type ClusterAgent, type GantryCluster } from "./helpers/cluster";
import { execInHostNetwork } from "./helpers/netns-hosts";
import { waitFor } from "./helpers/wait";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const SIGNING_SECONDS = 90;
let c: GantryCluster;
let nodeA: ClusterAgent;
let nodeB: ClusterAgent;
let firstClientCert: X509Certificate;
let firstServingCert: X509Certificate;

before(async () => {
  c = await startCluster({ agents: [], spareHosts: 5, initArgs: ["--cluster-signing-duration", String(SIGNING_SECONDS)] });
});

after(async () => {
  const problems = await c?.stop();
  if (problems && problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

const server = () => `https://${c.masterHost.address}:${API_PORT}`;
const caFile = () => path.join(c.masterDataDir, "pki", "ca.crt");
const csrCount = async () => (await c.kubectlOk(["get", "csr", "-o", "name"])).split("\n").filter(Boolean).length;
const nodeNames = async () => (await c.kubectlOk(["get", "nodes", "-o", "name"])).split("\n").filter(Boolean);
/** kubectl with a bearer token instead of the admin certificate. */
const asToken = (token: string, args: string[]) => c.client.exec("kubectl", ["--server", server(), "--certificate-authority", caFile(), "--token", token, "--cache-dir", path.join(c.masterDataDir, "..", "kc-token"), ...args]);
/** kubectl as a node, with the kubeconfig `gantry join` wrote. */
const asNode = (agent: ClusterAgent, args: string[], input?: string) => c.client.exec("kubectl", ["--kubeconfig", agent.kubeconfig, "--cache-dir", path.join(agent.dataDir, "..", "kc"), ...args], { input });
const gantry = (args: string[]) => c.client.exec(process.execPath, [GANTRY, ...args, "--kubeconfig", c.kubeconfig]);
const certOf = async (agent: ClusterAgent, name: "node-client" | "node-serving") => new X509Certificate(await readFile(path.join(agent.dataDir, "pki", `${name}.crt`), "utf8"));

async function readyIn(name: string, timeoutMs: number): Promise<void> {
  await waitFor(`node ${name} Ready`, async () => new RegExp(`^${name}\\s+Ready\\b`, "m").test((await c.kubectl(["get", "nodes", "--no-headers"], { timeoutMs: 10_000 })).stdout), timeoutMs, 200);
}

/** A CertificateSigningRequest manifest for a new key, as a file the client host can read. */
async function csrManifest(name: string, signerName: string, commonName: string, organizations: string[], usages: string[]): Promise<string> {
  const { csrPem } = await createKeyAndCsr({ commonName, organizations });
  const file = path.join(c.masterDataDir, "..", `${name}.csr.json`);
  await writeFile(file, JSON.stringify({ apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name }, spec: { request: Buffer.from(csrPem).toString("base64"), signerName, usages } }));
  return file;
}

describe("gantry init and gantry join on separate hosts", () => {
  test("gantry init prints the join command; cluster-info is public and signed; everything else needs credentials", async () => {
    assert.equal(c.joinCommand.address, `${c.masterHost.address}:${API_PORT}`);
    assert.match(c.joinCommand.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    assert.match(c.joinCommand.caHash, /^sha256:[0-9a-f]{64}$/);
    const id = c.joinCommand.token.slice(0, 6);
    const info = await c.client.exec("curl", ["-sk", "-w", "\n%{http_code}", `${server()}/api/v1/namespaces/kube-public/configmaps/cluster-info`]);
    assert.match(info.stdout, /\n200$/);
    assert.ok((JSON.parse(info.stdout.replace(/\n200$/, "")) as { data: Record<string, string> }).data[`jws-kubeconfig-${id}`]);
    const anonymous = await c.client.exec("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", `${server()}/api/v1/namespaces/kube-system/secrets`]);
    assert.equal(anonymous.stdout, "401");
    assert.match(await c.kubectlOk(["get", "secrets", "-n", "kube-system"]), new RegExp(`bootstrap-token-${id}\\s+bootstrap.kubernetes.io/token`));
    assert.match((await gantry(["token", "list"])).stdout, new RegExp(`${c.joinCommand.token.replace(".", "\\.")}\\s+\\d+h\\s+\\S+\\s+authentication,signing\\s+created by gantry init`));
  });

  test("a wrong CA hash stops gantry join before it sends the token: no CSR, no Node", async () => {
    const before = await csrCount();
    const bad = c.join("node-x", "a3", { join: { caHash: `sha256:${"0".repeat(64)}` }, args: ["--timeout", "20"] });
    assert.notEqual(await bad.exited(), 0);
    assert.match(bad.output(), /cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    assert.equal(await csrCount(), before, "the API never saw a request with the token");
    assert.ok(!(await nodeNames()).includes("node/node-x"));
  });

  test("a wrong token: join stops at the signature; the API answers 401 and creates nothing", async () => {
    const before = await csrCount();
    const wrong = `${c.joinCommand.token.slice(0, 7)}${"x".repeat(16)}`;
    const bad = c.join("node-y", "a4", { join: { token: wrong }, args: ["--timeout", "20"] });
    assert.notEqual(await bad.exited(), 0);
    assert.match(bad.output(), /failed to verify JWS signature of received cluster info object/);
    const manifest = await csrManifest("sneaky", "kubernetes.io/kube-apiserver-client-kubelet", "system:node:node-y", ["system:nodes"], ["digital signature", "client auth"]);
    const posted = await c.client.exec("curl", ["-s", "--cacert", caFile(), "-X", "POST", "-H", `Authorization: Bearer ${wrong}`, "-H", "Content-Type: application/json", "--data-binary", `@${manifest}`, `${server()}/apis/certificates.k8s.io/v1/certificatesigningrequests`]);
    const status = JSON.parse(posted.stdout) as { code: number; reason: string };
    assert.deepEqual([status.code, status.reason], [401, "Unauthorized"]);
    assert.equal(await csrCount(), before);
  });

  test("an expired token is refused, loses its cluster-info signature and is deleted", async () => {
    const created = await gantry(["token", "create", "--ttl", "2s", "--description", "short-lived"]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const id = token.slice(0, 6);
    assert.equal((await asToken(token, ["get", "csr", "-o", "name"])).code, 0, "valid while unexpired");
    await new Promise((r) => setTimeout(r, 2500));
    const refused = await asToken(token, ["get", "csr"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Unauthorized/);
    const bad = c.join("node-z", "a5", { join: { token }, args: ["--timeout", "5"] });
    assert.notEqual(await bad.exited(), 0);
    assert.match(bad.output(), new RegExp(`token id "${id}" is invalid for this cluster or it has expired`));
    await waitFor("the token cleaner to delete the expired token", async () => (await c.kubectl(["get", "secret", "-n", "kube-system", `bootstrap-token-${id}`])).code !== 0, 30_000);
  });

  test("gantry join with the printed command: the node is Ready and runs a pod", async () => {
    const started = Date.now();
    nodeA = c.join("node-a", "a1");
    await readyIn("node-a", 120_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`join time (gantry join started → node-a Ready): ${seconds.toFixed(2)} s`);
    nodeB = c.join("node-b", "a2");
    await readyIn("node-b", 120_000);
    assert.match(await c.kubectlOk(["get", "csr"]), /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:[a-z0-9]{6}\s+<none>\s+Approved,Issued/);

    firstClientCert = await certOf(nodeA, "node-client");
    assert.match(firstClientCert.subject, /O=system:nodes/);
    assert.match(firstClientCert.subject, /CN=system:node:node-a/);
    firstServingCert = await waitFor("node-a's serving certificate", () => certOf(nodeA, "node-serving"));
    assert.ok(firstServingCert.checkIP(nodeA.host.address), "the serving certificate names the node's address");

    await c.kubectlOk(["create", "secret", "generic", "db-a", "--from-literal=password=s3cret"]);
    for (const node of ["node-a", "node-b"]) {
      const name = `on-${node.slice(-1)}`;
      await c.kubectlOk(["apply", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name },
          spec: {
            nodeSelector: { "kubernetes.io/hostname": node },
            terminationGracePeriodSeconds: 1,
            volumes: node === "node-a" ? [{ name: "db", secret: { secretName: "db-a" } }] : [],
            containers: [{ name: "main", image: `${c.registry}/gantry/busybox:1`, command: ["sleep", "3600"], volumeMounts: node === "node-a" ? [{ name: "db", mountPath: "/db" }] : [] }],
          },
        }),
      });
      await waitFor(`pod ${name} Running on ${node}`, async () => new RegExp(`^${name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+\\S+\\s+${node}\\b`, "m").test(await c.kubectlOk(["get", "pod", name, "-o", "wide", "--no-headers"])), 120_000);
    }
    assert.equal((await c.kubectlOk(["exec", "on-a", "--", "cat", "/db/password"])).trim(), "s3cret");
  });

  test("node-b's certificate cannot patch node-a, read a Secret of a pod on node-a, or exec (403, Kubernetes' wording)", async () => {
    const patch = await asNode(nodeB, ["label", "node", "node-a", "evil=yes"]);
    assert.notEqual(patch.code, 0);
    assert.match(patch.stderr, /nodes "node-a" is forbidden: (node "node-b" is not allowed to modify node "node-a"|User "system:node:node-b" cannot get resource "nodes" in API group "" at the cluster scope: node 'node-b' cannot read 'node-a', only its own Node object)/);
    // A PATCH sent straight away (kubectl reads first, which the authorizer already refuses): NodeRestriction.
    const pki = path.join(nodeB.dataDir, "pki");
    const raw = await c.client.exec("curl", ["-s", "--cacert", caFile(), "--cert", path.join(pki, "node-client.crt"), "--key", path.join(pki, "node-client.key"), "-X", "PATCH", "-H", "Content-Type: application/merge-patch+json", "-d", '{"metadata":{"labels":{"evil":"yes"}}}', `${server()}/api/v1/nodes/node-a`]);
    const status = JSON.parse(raw.stdout) as { code: number; reason: string; message: string };
    assert.deepEqual([status.code, status.reason, status.message], [403, "Forbidden", 'nodes "node-a" is forbidden: node "node-b" is not allowed to modify node "node-a"']);
    assert.doesNotMatch(await c.kubectlOk(["get", "node", "node-a", "--show-labels"]), /evil/);

    const secret = await asNode(nodeB, ["get", "secret", "db-a", "-n", "default"]);
    assert.match(secret.stderr, /Error from server \(Forbidden\): secrets "db-a" is forbidden: User "system:node:node-b" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-b' and this object/);
    assert.equal((await asNode(nodeA, ["get", "secret", "db-a", "-n", "default", "-o", "name"])).stdout.trim(), "secret/db-a", "node-a runs a pod that uses it");

    // Its own pod it may read, but exec is not among a node's rights: the upgrade is authorized as `create pods/exec`.
    assert.equal((await asNode(nodeB, ["get", "pod", "on-b", "-o", "name"])).stdout.trim(), "pod/on-b");
    const exec = await asNode(nodeB, ["exec", "on-b", "--", "true"]);
    assert.match(exec.stderr, /pods "on-b" is forbidden: User "system:node:node-b" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
    const restricted = await asNode(nodeB, ["label", "node", "node-b", "node-restriction.kubernetes.io/trusted=yes"]);
    assert.match(restricted.stderr, /is not allowed to modify labels: node-restriction.kubernetes.io\/trusted/);
    assert.equal((await asNode(nodeB, ["label", "node", "node-b", "example.com/team=blue"])).code, 0, "a node may label itself outside the restricted prefixes");
  });

  test("kubectl get csr, certificate approve and deny", async () => {
    await c.kubectlOk(["create", "-f", await csrManifest("alice", "kubernetes.io/kube-apiserver-client", "alice", ["devs"], ["digital signature", "client auth"])]);
    await c.kubectlOk(["create", "-f", await csrManifest("mallory", "kubernetes.io/kube-apiserver-client", "mallory", ["system:masters"], ["digital signature", "client auth"])]);
    assert.match(await c.kubectlOk(["get", "csr", "alice"]), /alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+<none>\s+Pending/);
    assert.match(await c.kubectlOk(["certificate", "approve", "alice"]), /certificatesigningrequest.certificates.k8s.io\/alice approved/);
    assert.match(await c.kubectlOk(["certificate", "deny", "mallory"]), /certificatesigningrequest.certificates.k8s.io\/mallory denied/);
    await waitFor("alice's certificate", async () => /Approved,Issued/.test(await c.kubectlOk(["get", "csr", "alice"])));
    assert.match(await c.kubectlOk(["get", "csr", "mallory"]), /Denied/);
    const cert = new X509Certificate(Buffer.from(await c.kubectlOk(["get", "csr", "alice", "-o", "jsonpath={.status.certificate}"]), "base64").toString());
    assert.match(cert.subject, /CN=alice/);
  });

  test("node certificates are renewed before they expire, and the node keeps working", async () => {
    const containersBefore = await nodeA.containers();
    const renewed = await waitFor("node-a's client certificate renewed", async () => {
      const now = await certOf(nodeA, "node-client");
      return now.serialNumber !== firstClientCert.serialNumber ? now : undefined;
    }, (SIGNING_SECONDS + 30) * 1000, 1000);
    assert.ok(new Date(renewed.validFrom).getTime() < new Date(firstClientCert.validTo).getTime(), "issued while the old one was still valid");
    assert.ok(new Date(renewed.validTo).getTime() > new Date(firstClientCert.validTo).getTime());
    const serving = await waitFor("node-a's serving certificate renewed", async () => {
      const now = await certOf(nodeA, "node-serving");
      return now.serialNumber !== firstServingCert.serialNumber ? now : undefined;
    }, (SIGNING_SECONDS + 30) * 1000, 1000);
    assert.ok(new Date(serving.validFrom).getTime() < new Date(firstServingCert.validTo).getTime());
    // The renewal was the node asking for itself, with its current certificate.
    assert.match(await c.kubectlOk(["get", "csr"]), /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:node:node-a\s+<none>\s+Approved,Issued/);
    // Past the first certificate's end the node still works with the new one, and nothing restarted.
    await waitFor("the first certificate to expire", () => Date.now() > new Date(firstClientCert.validTo).getTime() + 1000, (SIGNING_SECONDS + 30) * 1000, 500);
    assert.equal((await asNode(nodeA, ["get", "node", "node-a", "-o", "name"])).stdout.trim(), "node/node-a");
    await readyIn("node-a", 10_000);
    assert.ok(nodeA.running());
    assert.deepEqual(await nodeA.containers(), containersBefore, "no container restarted");
    assert.match(await c.kubectlOk(["get", "pod", "on-a", "--no-headers"]), /1\/1\s+Running\s+0\s/);
  });
  test("gantry reset on node-b's host: the agent stops; its containers, pod network and state are gone; node-a is untouched", async () => {
    const containers = await nodeB.containers();
    assert.ok(containers.length > 0, "node-b runs its pod's containers");
    const exists = (file: string) => access(file).then(() => true, () => false);
    const cgroups = await cgroupDirs(nodeB.cgroupParent);
    assert.equal((await nodeB.host.exec("ip", ["link", "show", "gantry0"])).code, 0, "node-b has its pod bridge");
    assert.equal((await nodeB.host.exec("nft", ["list", "table", "ip", "gantry"])).code, 0, "node-b has its service proxy's table");
    assert.ok((await Promise.all(cgroups.map(exists))).every(Boolean), "node-b's pods have their cgroup");
    const elsewhere = (name: string) => path.join(nodeB.dataDir, "..", `b-${name}`);
    const mountsBefore = mountsUnder(await readMountInfo(), nodeB.dataDir).length + mountsUnder(await readMountInfo(), nodeB.runDir).length;
    assert.ok(mountsBefore > 0, "node-b's pod has mounts (rootfs, volumes, netns)");
    // Run as the agent runs: in node-b's network namespace with the machine's mounts (cgroups).
    const r = await execInHostNetwork(nodeB.host, [
      process.execPath, GANTRY, "reset", "--yes",
      "--agent-data-dir", nodeB.dataDir, "--agent-run-dir", nodeB.runDir, "--agent-kubeconfig", nodeB.kubeconfig, "--cgroup-parent", nodeB.cgroupParent,
      "--master-data-dir", elsewhere("master"), "--admin-kubeconfig", elsewhere("admin.conf"),
      "--master-pid-file", elsewhere("master.pid"), "--agent-pid-file", elsewhere("agent.pid"), "--unit-dir", elsewhere("units"),
    ], 120_000);
    assert.equal(r.code, 0, `gantry reset exited ${r.code}:\n${r.stderr}${r.stdout}`);
    for (const id of containers) assert.match(r.stdout, new RegExp(`removed container ${id}`));
    await waitFor("node-b's agent to exit", () => !nodeB.running(), 5_000);
    assert.deepEqual([...mountsUnder(await readMountInfo(), nodeB.dataDir), ...mountsUnder(await readMountInfo(), nodeB.runDir)], [], "no mount is left");
    for (const gone of [nodeB.dataDir, nodeB.runDir, nodeB.kubeconfig, ...cgroups]) assert.equal(await exists(gone), false, `${gone} is deleted`);
    assert.notEqual((await nodeB.host.exec("ip", ["link", "show", "gantry0"])).code, 0, "the pod bridge is removed");
    assert.notEqual((await nodeB.host.exec("nft", ["list", "table", "ip", "gantry"])).code, 0, "the service proxy's table is removed");
    await readyIn("node-a", 10_000);
    assert.match(await c.kubectlOk(["get", "pod", "on-a", "--no-headers"]), /1\/1\s+Running\s+0\s/);
  });
});
