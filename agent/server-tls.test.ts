// Both ends of master → agent mutual TLS with real gRPC on 127.0.0.1 and real certificates from
// one cluster CA: the agent's port admits only clients whose certificate carries O=system:masters
// (no certificate: the handshake fails; a node's certificate: PERMISSION_DENIED before any
// handler runs), and the master's channel accepts only the serving certificate of the node it
// meant to dial. Also: a renewed serving certificate is served without a restart.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { connect } from "node:tls";
import path from "node:path";
import { after, before, test } from "node:test";
import { credentials, Metadata, status, type ChannelCredentials, type Server, type ServiceError } from "@grpc/grpc-js";
import { agentIdentityProblem, mutualTlsTransport } from "../master/dispatch/agent-transport";
import { ensureClusterPki, ensureMasterAgentClient, issueClientCert, issueServingCert, type ClusterPki } from "../master/pki";
import { AgentClient, DesiredPods, NodeStatus, type AgentServer } from "../proto/gen/agent";
import { listen } from "./server";
import { agentServerCredentials, masterCertificateProblem, NodeCertificateProvider } from "./server-tls";

let dir: string;
let pki: ClusterPki;
let other: ClusterPki;
let server: Server;
let port: number;
let provider: NodeCertificateProvider;
/** Handlers that ran, by RPC name. */
const ran: string[] = [];

const unimplemented = (name: string) => (call: { end?: () => void }, done?: (err: Error | null, res?: object) => void) => {
  ran.push(name);
  if (done) done(null, {});
  else call.end?.();
};

const service = {
  session: (call: { end(): void }) => {
    ran.push("session");
    call.end();
  },
  setDesiredPods: unimplemented("setDesiredPods"),
  listPodStatus: unimplemented("listPodStatus"),
  getNodeStatus: (_call: unknown, done: (err: Error | null, res?: NodeStatus) => void) => {
    ran.push("getNodeStatus");
    done(null, NodeStatus.fromPartial({ capacity: { pods: "110" } }));
  },
  logs: unimplemented("logs"),
  exec: unimplemented("exec"),
  attach: unimplemented("attach"),
  portForward: unimplemented("portForward"),
  pullImage: unimplemented("pullImage"),
} as unknown as AgentServer;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gantry-agent-tls-"));
  pki = await ensureClusterPki(path.join(dir, "pki"), { hostnames: [], ips: [] });
  other = await ensureClusterPki(path.join(dir, "other"), { hostnames: [], ips: [] });
  const serving = await issueServingCert(pki, "system:node:node-a", { hostnames: [], ips: ["127.0.0.1"] });
  provider = new NodeCertificateProvider(pki.caCert, serving);
  ({ server, port } = await listen(service, "127.0.0.1", 0, agentServerCredentials(provider)));
});

after(async () => {
  server?.forceShutdown();
  await rm(dir, { recursive: true, force: true });
});

function clientWith(creds: ChannelCredentials): AgentClient {
  return new AgentClient(`127.0.0.1:${port}`, creds);
}

function getNodeStatus(client: AgentClient): Promise<NodeStatus> {
  return new Promise((resolve, reject) => client.getNodeStatus({}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

/** The status a Session stream ends with. */
function sessionStatus(client: AgentClient): Promise<number> {
  return new Promise((resolve) => {
    const call = client.session({ deadline: Date.now() + 5000 });
    call.on("data", () => {});
    call.on("error", (err: ServiceError) => resolve(err.code));
    call.on("status", (s: { code: number }) => resolve(s.code));
  });
}

async function refusedWith(p: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: ServiceError) => {
    assert.equal(err.code, code, `${err.code} ${err.details}`);
    if (message) assert.match(err.details, message);
    return true;
  });
}

const masterCredentials = async (ca: ClusterPki = pki) => {
  const cert = await ensureMasterAgentClient(path.join(dir, ca === pki ? "pki" : "other"), ca, "m1");
  return credentials.createSsl(Buffer.from(pki.caCert), Buffer.from(cert.keyPem), Buffer.from(cert.certPem));
};

test("a master's certificate (O=system:masters) may call the agent", async () => {
  ran.length = 0;
  const client = clientWith(await masterCredentials());
  try {
    assert.equal((await getNodeStatus(client)).capacity.pods, "110");
    assert.equal(await sessionStatus(client), status.OK);
    assert.deepEqual(ran, ["getNodeStatus", "session"]);
  } finally {
    client.close();
  }
});

test("a client without a certificate fails the TLS handshake; no handler runs", async () => {
  ran.length = 0;
  const client = clientWith(credentials.createSsl(Buffer.from(pki.caCert)));
  try {
    await refusedWith(getNodeStatus(client), status.UNAVAILABLE);
    assert.equal(await sessionStatus(client), status.UNAVAILABLE);
    assert.deepEqual(ran, []);
  } finally {
    client.close();
  }
});

test("a master certificate from another CA fails the handshake", async () => {
  ran.length = 0;
  const client = clientWith(await masterCredentials(other));
  try {
    await refusedWith(getNodeStatus(client), status.UNAVAILABLE);
    assert.deepEqual(ran, []);
  } finally {
    client.close();
  }
});

test("a node's own client certificate is refused on every RPC before the handler runs", async () => {
  ran.length = 0;
  const node = await issueClientCert(pki, "system:node:node-b", ["system:nodes"]);
  const client = clientWith(credentials.createSsl(Buffer.from(pki.caCert), Buffer.from(node.keyPem), Buffer.from(node.certPem)));
  try {
    const denied = /"system:node:node-b" \(groups system:nodes\) may not call the agent: only masters \(system:masters\) may/;
    await refusedWith(getNodeStatus(client), status.PERMISSION_DENIED, denied);
    await refusedWith(new Promise((resolve, reject) => client.setDesiredPods(DesiredPods.fromPartial({ full: true }), (err, res) => (err ? reject(err) : resolve(res)))), status.PERMISSION_DENIED, denied);
    await refusedWith(new Promise((resolve, reject) => client.listPodStatus({ uids: [] }, (err, res) => (err ? reject(err) : resolve(res)))), status.PERMISSION_DENIED, denied);
    assert.equal(await sessionStatus(client), status.PERMISSION_DENIED);
    const stream = (call: NodeJS.EventEmitter) =>
      new Promise<number>((resolve) => {
        call.on("data", () => {});
        call.on("error", (err: ServiceError) => resolve(err.code));
        call.on("status", (s: { code: number }) => resolve(s.code));
      });
    assert.equal(await stream(client.logs({ container: "c", follow: false } as never)), status.PERMISSION_DENIED);
    assert.equal(await stream(client.pullImage({ image: "busybox" })), status.PERMISSION_DENIED);
    assert.equal(await stream(client.exec()), status.PERMISSION_DENIED);
    assert.equal(await stream(client.portForward()), status.PERMISSION_DENIED);
    assert.deepEqual(ran, [], "no handler ran");
  } finally {
    client.close();
  }
});

test("masterCertificateProblem reads O (one or several) and CN", () => {
  assert.equal(masterCertificateProblem({ subject: { CN: "gantry-master:m1", O: "system:masters" } } as never), undefined);
  assert.equal(masterCertificateProblem({ subject: { CN: "kubernetes-admin", O: ["devs", "system:masters"] } } as never), undefined);
  assert.match(masterCertificateProblem({ subject: { CN: "alice" } } as never) ?? "", /"alice" \(groups none\) may not call the agent/);
  assert.match(masterCertificateProblem(undefined) ?? "", /client certificate signed by the cluster CA is required/);
});

test("the master's channel accepts only the serving certificate of the node it meant to dial", async () => {
  const cert = await ensureMasterAgentClient(path.join(dir, "pki"), pki, "m1");
  assert.match(new X509Certificate(cert.certPem).subject, /CN=gantry-master:m1/);
  assert.match(new X509Certificate(cert.certPem).subject, /O=system:masters/);
  const transport = mutualTlsTransport({ caPem: pki.caCert, certPem: cert.certPem, keyPem: cert.keyPem });
  const right = clientWith(transport.credentialsFor("node-a"));
  const wrong = clientWith(transport.credentialsFor("node-b"));
  try {
    assert.equal((await getNodeStatus(right)).capacity.pods, "110");
    await refusedWith(getNodeStatus(wrong), status.UNAVAILABLE, /presented a certificate for "system:node:node-a", not system:node:node-b/);
  } finally {
    right.close();
    wrong.close();
  }
});

test("agentIdentityProblem: wrong node, wrong address, right node", async () => {
  const serving = new X509Certificate((await issueServingCert(pki, "system:node:node-a", { hostnames: [], ips: ["10.0.0.1"] })).certPem);
  const peer = { subject: { CN: "system:node:node-a" }, subjectaltname: serving.subjectAltName, valid_to: serving.validTo } as never;
  assert.equal(agentIdentityProblem("10.0.0.1", peer, "node-a"), undefined);
  assert.match(agentIdentityProblem("10.0.0.1", peer, "node-b")?.message ?? "", /not system:node:node-b/);
  assert.match(agentIdentityProblem("10.0.0.2", peer, "node-a")?.message ?? "", /IP: 10.0.0.2 is not in the cert's list/);
});

test("a renewed serving certificate is served from the next connection on", async () => {
  const renewed = await issueServingCert(pki, "system:node:node-a", { hostnames: [], ips: ["127.0.0.1"] });
  provider.setServing(renewed);
  const seen = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca: pki.caCert, ALPNProtocols: ["h2"], checkServerIdentity: () => undefined, servername: "" }, () => {
      resolve(socket.getPeerX509Certificate()?.serialNumber ?? "");
      socket.destroy();
    });
    socket.on("error", reject);
  });
  assert.equal(seen, new X509Certificate(renewed.certPem).serialNumber);
});
