// The join controllers in this process against a real etcd, on a clock the tests move: the
// token cleaner, the bootstrap signer (kube-public/cluster-info), the CSR approver and signer.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseClusterInfoKubeconfig } from "../api/bootstrap/cluster-info";
import { verifyDetached } from "../api/bootstrap/jws";
import { certsOwnerTokenSecret, certsSecret, generateCertificateKey, parseCertificateKey, readCertsSecret } from "../api/bootstrap/cert-upload";
import { tokenSecret } from "../api/bootstrap/token";
import type { KubeObject } from "../api/object";
import { findResource } from "../api/resources";
import { ClusterInfoSigner } from "../master/bootstrap-tokens/cluster-info-signer";
import { TokenCleaner } from "../master/bootstrap-tokens/cleaner";
import { CsrApprover } from "../master/certificates/approver";
import { CsrSigner } from "../master/certificates/signer";
import { GarbageCollector } from "../master/controllers/gc";
import { BOOTSTRAPPER, NODE_CLIENT, NODE_SERVING, csrObject, nodeSubject, nodeUser } from "../master/certificates/testing/csr";
import { ensureClusterPki, type ClusterPki } from "../master/pki";
import { startInProcessApi, type InProcessApi } from "./helpers/in-process";
import { waitFor } from "./helpers/wait";

const R = {
  secrets: findResource("", "v1", "secrets")!,
  configmaps: findResource("", "v1", "configmaps")!,
  nodes: findResource("", "v1", "nodes")!,
  csrs: findResource("certificates.k8s.io", "v1", "certificatesigningrequests")!,
};
const clock = { t: Date.now(), now: () => new Date(clock.t), advance: (s: number) => (clock.t += s * 1000) };
const SERVER = "https://10.9.8.7:6443";

let api: InProcessApi;
let pki: ClusterPki;
let pkiRoot: string;

before(async () => {
  pkiRoot = await mkdtemp(path.join(tmpdir(), "gantry-bootstrap-ctl-"));
  pki = await ensureClusterPki(path.join(pkiRoot, "pki"), { hostnames: [], ips: [] });
  api = await startInProcessApi({
    now: () => clock.now(),
    namespacePrefix: "b",
    components: (ctx) => [
      new TokenCleaner(ctx, { resyncMs: 300 }),
      new ClusterInfoSigner(ctx, { resyncMs: 300, publish: { server: SERVER, caPem: pki.caCert } }),
      new CsrApprover(ctx, { resyncMs: 300 }),
      new CsrSigner(ctx, { resyncMs: 300, ca: pki, maxDurationSeconds: 3600 }),
      new GarbageCollector(ctx, { resyncMs: 300 }),
    ],
  });
});

after(async () => {
  await api?.stop();
  await rm(pkiRoot, { recursive: true, force: true });
});

const clusterInfo = () => api.client(R.configmaps).tryGet("kube-public", "cluster-info");
const data = async () => ((await clusterInfo())?.data ?? {}) as Record<string, string>;

describe("bootstrap tokens", () => {
  test("cluster-info is created with the API address and CA, and signed by every signing token", async () => {
    await waitFor("cluster-info", async () => (await clusterInfo()) !== undefined);
    const kubeconfig = (await data()).kubeconfig;
    assert.deepEqual(parseClusterInfoKubeconfig(kubeconfig), { server: SERVER, caPem: pki.caCert });
    const token = { id: "aaaaaa", secret: "0123456789abcdef" };
    await api.client(R.secrets).create(tokenSecret({ token, ttlMs: 3600_000, now: clock.now() }));
    await api.client(R.secrets).create(tokenSecret({ token: { id: "bbbbbb", secret: "0123456789abcdef" }, usages: ["authentication"], now: clock.now() }));
    await waitFor("a signature", async () => (await data())["jws-kubeconfig-aaaaaa"] !== undefined);
    const d = await data();
    assert.equal(await verifyDetached(d["jws-kubeconfig-aaaaaa"], d.kubeconfig, token), true);
    assert.equal(d["jws-kubeconfig-bbbbbb"], undefined, "an authentication-only token does not sign");
  });

  test("a deleted token's signature goes with it", async () => {
    await api.client(R.secrets).create(tokenSecret({ token: { id: "cccccc", secret: "0123456789abcdef" }, now: clock.now() }));
    await waitFor("cccccc signs", async () => (await data())["jws-kubeconfig-cccccc"] !== undefined);
    await api.client(R.secrets).delete("kube-system", "bootstrap-token-cccccc");
    await waitFor("cccccc's signature removed", async () => (await data())["jws-kubeconfig-cccccc"] === undefined);
  });

  test("an expired token is deleted by the cleaner, and stops signing", async () => {
    await api.client(R.secrets).create(tokenSecret({ token: { id: "dddddd", secret: "0123456789abcdef" }, ttlMs: 60_000, now: clock.now() }));
    await waitFor("dddddd signs", async () => (await data())["jws-kubeconfig-dddddd"] !== undefined);
    clock.advance(61);
    await waitFor("dddddd deleted", async () => (await api.client(R.secrets).tryGet("kube-system", "bootstrap-token-dddddd")) === undefined);
    await waitFor("dddddd's signature removed", async () => (await data())["jws-kubeconfig-dddddd"] === undefined);
    assert.ok(await api.client(R.secrets).tryGet("kube-system", "bootstrap-token-aaaaaa"), "an unexpired token stays");
  });
});

describe("certificate signing requests", () => {
  const csrs = () => api.client(R.csrs);
  // Made by the user its spec names: the registry records the requester, whatever the body says.
  const createAsRequester = (csr: KubeObject) => {
    const { username, groups } = csr.spec as { username: string; groups: string[] };
    return csrs().as({ name: username, groups }).create(csr);
  };
  const certificateOf = async (name: string) => {
    let cert: string | undefined;
    await waitFor(`a certificate for ${name}`, async () => Boolean((cert = ((await csrs().get(undefined, name)).status as { certificate?: string }).certificate)));
    return new X509Certificate(Buffer.from(cert!, "base64").toString("utf8"));
  };

  test("a bootstrapper's node client request is approved and signed by the cluster CA", async () => {
    await createAsRequester(await csrObject("join-node-b", { subject: nodeSubject("node-b"), ...NODE_CLIENT, ...BOOTSTRAPPER }));
    const cert = await certificateOf("join-node-b");
    assert.ok(cert.verify(new X509Certificate(pki.caCert).publicKey));
    assert.match(cert.subject, /O=system:nodes/);
    assert.match(cert.subject, /CN=system:node:node-b/);
    assert.equal(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime(), 3600_000, "the signing duration");
    const conditions = ((await csrs().get(undefined, "join-node-b")).status as { conditions: { type: string; reason: string }[] }).conditions;
    assert.deepEqual(conditions.map((c) => [c.type, c.reason]), [["Approved", "AutoApproved"]]);
  });

  test("a stranger's request stays pending until approved by hand, then a kube-apiserver-client certificate is signed", async () => {
    await createAsRequester(await csrObject("alice", { subject: { commonName: "alice", organizations: ["devs"] }, signerName: "kubernetes.io/kube-apiserver-client", usages: ["digital signature", "client auth"], username: "alice", groups: ["system:authenticated"] }));
    await createAsRequester(await csrObject("fake-node", { subject: nodeSubject("node-a"), ...NODE_CLIENT, username: "alice", groups: ["system:authenticated"] }));
    await new Promise((r) => setTimeout(r, 1000));
    for (const name of ["alice", "fake-node"]) assert.equal(((await csrs().get(undefined, name)).status as { conditions?: unknown }).conditions, undefined, `${name} pending`);
    await csrs().update(undefined, "alice", (c) => ({ ...c, status: { conditions: [{ type: "Approved", status: "True", reason: "KubectlApprove", message: "approved by hand" }] } }), { subresource: "approval" });
    const cert = await certificateOf("alice");
    assert.match(cert.subject, /CN=alice/);
  });

  test("a node's serving request is approved when its names are its Node's addresses", async () => {
    await api.client(R.nodes).create({ apiVersion: "v1", kind: "Node", metadata: { name: "node-b" }, status: { addresses: [{ type: "InternalIP", address: "10.0.0.2" }, { type: "Hostname", address: "node-b" }] } } as KubeObject);
    await createAsRequester(await csrObject("serving-ok", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.2"], dnsNames: ["node-b"] }), ...NODE_SERVING, ...nodeUser("node-b") }));
    await createAsRequester(await csrObject("serving-bad", { subject: nodeSubject("node-b", { ipAddresses: ["10.0.0.66"] }), ...NODE_SERVING, ...nodeUser("node-b") }));
    const cert = await certificateOf("serving-ok");
    assert.ok(cert.checkIP("10.0.0.2"));
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
    assert.equal(((await csrs().get(undefined, "serving-bad")).status as { conditions?: unknown }).conditions, undefined, "a name that is not the node's stays pending");
  });
});

// Last: it moves the clock by hours.
describe("the control-plane certificate upload", () => {
  test("the encrypted certificates go away 2 hours after the upload: the cleaner deletes their owner token, the garbage collector the Secret", async () => {
    const key = parseCertificateKey(generateCertificateKey());
    const owner = await api.client(R.secrets).create(certsOwnerTokenSecret({ id: "upload", secret: "0123456789abcdef" }, clock.now()));
    await api.client(R.secrets).create(certsSecret({ clusterCa: { certPem: pki.caCert, keyPem: pki.caKey }, etcdCa: { certPem: "etcd-ca", keyPem: "etcd-key" }, etcdEndpoints: ["https://10.9.8.7:2379"] }, key, { tokenId: "upload", uid: owner.metadata.uid! }));
    const stored = await api.client(R.secrets).get("kube-system", "gantry-certs");
    assert.equal(readCertsSecret(stored, key).clusterCa.keyPem, pki.caKey);
    assert.equal((await data())["jws-kubeconfig-upload"], undefined, "the owner token signs nothing");

    clock.advance(2 * 3600 - 60);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(await api.client(R.secrets).tryGet("kube-system", "gantry-certs"), "still there before the 2 hours are over");
    clock.advance(61);
    await waitFor("the owner token deleted", async () => (await api.client(R.secrets).tryGet("kube-system", "bootstrap-token-upload")) === undefined);
    await waitFor("gantry-certs deleted with its owner", async () => (await api.client(R.secrets).tryGet("kube-system", "gantry-certs")) === undefined, 30_000);
  });
});
