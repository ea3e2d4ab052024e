// `gantry join <master>:6443 --token <t> --discovery-token-ca-cert-hash sha256:<h> --control-plane
// --certificate-key <key>`: make this host another master, kubeadm's way.
//
//   1. discovery exactly as an agent's join (agent/bootstrap/discovery.ts): the CA is pinned
//      before the token is sent anywhere;
//   2. with the token, read kube-system/gantry-certs and decrypt it with the certificate key
//      (api/bootstrap/cert-upload.ts); its cluster CA must be the pinned one;
//   3. write the cluster and etcd CAs into <data-dir>/pki and issue this master's own
//      certificates from them (apiserver, admin, etcd server/peer/clients, its agent client);
//   4. start the master (cli/init.ts startMaster, the same step as `gantry init`'s) with `--join`
//      = the uploaded etcd client URLs: it adds its etcd member over TLS as a learner, promotes it
//      once caught up (master/election/member-join.ts), then serves the API and campaigns;
//   5. print what it did.
//
// Flags that mean something else for an agent take the master's defaults here unless given:
// --data-dir (/var/lib/gantry/master), --pid-file, --log-file; --node-name is the master's name.

import type { Command } from "commander";
import { X509Certificate } from "node:crypto";
import path from "node:path";
import { CERTS_SECRET_NAME, CERTS_SECRET_NAMESPACE, parseCertificateKey, readCertsSecret, type ControlPlaneMaterial } from "../api/bootstrap/cert-upload";
import type { BootstrapToken } from "../api/bootstrap/token";
import type { KubeObject } from "../api/object";
import { ApiClient, answerMessage } from "../agent/api-client";
import { discoverCluster } from "../agent/bootstrap/discovery";
import { defaultNodeIP } from "../agent/node/node-status";
import { ClusterNetwork } from "../master/cluster-network";
import { ensureClusterPki, ensureEtcdPki, ensureMasterAgentClient } from "../master/pki";
import { installCa } from "../master/pki/ca-install";
import { writeFileAtomic } from "../master/pki/files";
import { installServiceAccountKeys } from "../master/pki/service-account-keys";
import { directClient } from "../master/store/direct-client";
import { ENCRYPTION_CONFIG_FILE } from "../master/store/encryption/encryption-config";
import { readApiserverEtcdClient } from "../master/store/etcd-tls";
import { port } from "./agent";
import { startMaster, type MasterDaemonFlags } from "./init";
import { addClusterSettingFlags, DEFAULT_ADMIN_KUBECONFIG, DEFAULT_MASTER_DATA_DIR, type MasterFlags } from "./master";

const MASTER_PID_FILE = "/run/gantry/master.pid";
const MASTER_LOG_FILE = "/var/log/gantry/master.log";

/** What `gantry join` passes on (its agent flags included; only some apply to a master). */
export interface ControlPlaneJoinFlags extends Omit<MasterFlags, "name" | "port" | "advertiseAddress" | "initialCluster" | "join" | "etcdServers" | "caDir"> {
  nodeName: string;
  nodeIp?: string;
  advertiseAddress?: string;
  apiserverBindPort: number;
  adminKubeconfig: string;
  certificateKey?: string;
  foreground?: boolean;
  pidFile: string;
  logFile: string;
  timeout: number;
}

/** The flags only a control-plane join reads. */
export function addControlPlaneJoinFlags(cmd: Command): Command {
  cmd
    .option("--control-plane", "join as another master: download the uploaded certificates (--certificate-key), add an etcd member, run a master")
    .option("--certificate-key <key>", "with --control-plane: the key `gantry init` or `gantry certs upload` printed")
    .option("--advertise-address <ip>", "with --control-plane: the address other hosts reach this master at (default: --node-ip, else the first non-loopback IPv4 address)")
    .option("--bind-address <ip>", "with --control-plane: the address the API listens on", "0.0.0.0")
    .option("--apiserver-bind-port <port>", "with --control-plane: the API port", port, 6443)
    .option("--etcd-client-port <port>", "with --control-plane: etcd client port", port, 2379)
    .option("--etcd-peer-port <port>", "with --control-plane: etcd peer port", port, 2380)
    .option("--admin-kubeconfig <file>", "with --control-plane: where to write the admin kubeconfig", DEFAULT_ADMIN_KUBECONFIG);
  return addClusterSettingFlags(cmd);
}

export async function joinControlPlane(address: string, token: BootstrapToken, caHashes: string[], f: ControlPlaneJoinFlags, cmd: Command): Promise<void> {
  if (!f.certificateKey) throw new Error("--control-plane needs --certificate-key <key>: the key `gantry init` or `gantry certs upload` printed on a master");
  const key = parseCertificateKey(f.certificateKey);
  const given = (option: string) => cmd.getOptionValueSource(option) === "cli";
  const dataDir = given("dataDir") ? f.dataDir : DEFAULT_MASTER_DATA_DIR;
  const advertise = f.advertiseAddress ?? f.nodeIp ?? defaultNodeIP();
  const started = Date.now();

  const cluster = await discoverCluster({ address, token, caHashes, timeoutMs: f.timeout * 1000, log: (msg) => console.log(`[discovery] ${msg}`) });
  console.log(`[discovery] cluster CA pinned; API at ${cluster.server}`);
  const material = await downloadCerts(cluster.server, cluster.caPem, token, key);
  console.log(`[download-certs] decrypted ${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME}: the cluster CA, the etcd CA${material.serviceAccount ? ", the service-account keys" : ""}${material.encryptionConfig !== undefined ? ", the encryption-at-rest config" : ""}; etcd members at ${material.etcdEndpoints.join(",")}`);

  const pkiDir = path.join(dataDir, "pki");
  await installMaterial(dataDir, material);
  const network = ClusterNetwork.from({ clusterCidr: f.clusterCidr, nodeCidrMaskSize: f.nodeCidrMaskSize, serviceCidr: f.serviceClusterIpRange });
  const pki = await ensureClusterPki(pkiDir, { hostnames: [], ips: [advertise, network.kubernetesServiceIP] });
  await ensureEtcdPki(pkiDir, { name: f.nodeName, names: { hostnames: [], ips: [advertise] } });
  await ensureMasterAgentClient(pkiDir, pki, f.nodeName);
  console.log(`[certs] issued this master's certificates for ${advertise} in ${pkiDir} (API serving, admin, etcd server/peer/client, agent client)`);

  const master: MasterDaemonFlags = {
    ...f,
    dataDir,
    name: f.nodeName,
    advertiseAddress: advertise,
    port: f.apiserverBindPort,
    join: material.etcdEndpoints,
    pidFile: given("pidFile") ? f.pidFile : MASTER_PID_FILE,
    logFile: given("logFile") ? f.logFile : MASTER_LOG_FILE,
  };
  console.log(`[etcd] member ${f.nodeName} (https://${advertise}:${f.etcdPeerPort}) joins the etcd cluster as a learner and is promoted once it has caught up`);
  await startMaster(master, cluster.caPem);
  const members = await etcdMembers(material.etcdEndpoints, pkiDir);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nThis host has joined the cluster as master ${f.nodeName} (${seconds} s):`);
  console.log(`  * its API serves at https://${advertise}:${f.apiserverBindPort}, with the cluster's CA`);
  console.log(`  * etcd members: ${members}`);
  console.log(`  * the admin kubeconfig is ${f.adminKubeconfig}`);
  console.log(f.foreground ? "  * the master runs in this process" : `  * the master runs in the background (pid file ${master.pidFile}, log ${master.logFile})`);
  console.log("\nRun `kubectl get lease -n kube-system gantry-master` to see which master leads.");
}

/** GETs and decrypts the uploaded certificates with the token; its cluster CA must be the pinned one. */
async function downloadCerts(server: string, caPem: string, token: BootstrapToken, key: Buffer): Promise<ControlPlaneMaterial> {
  const api = new ApiClient({ server, caPem, credentials: () => ({ token: `${token.id}.${token.secret}` }), timeoutMs: 10_000 });
  const answer = await api.request("GET", `/api/v1/namespaces/${CERTS_SECRET_NAMESPACE}/secrets/${CERTS_SECRET_NAME}`);
  if (answer.status === 404) {
    throw new Error(`${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME} is not there: uploaded certificates are deleted after 2 hours (or init ran with --no-upload-certs). Run \`gantry certs upload\` on a master and use the key it prints`);
  }
  if (answer.status !== 200) throw new Error(`reading ${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME} failed: ${answer.status} ${answerMessage(answer)}`);
  const material = readCertsSecret(answer.body as KubeObject, key);
  if (new X509Certificate(material.clusterCa.certPem).fingerprint256 !== new X509Certificate(caPem).fingerprint256) {
    throw new Error("the uploaded cluster CA is not the CA discovery pinned (--discovery-token-ca-cert-hash); refusing it");
  }
  return material;
}

/** The CAs (refusing a data dir of another cluster), the service-account keys and the encryption-at-rest config. */
async function installMaterial(dataDir: string, m: ControlPlaneMaterial): Promise<void> {
  const pkiDir = path.join(dataDir, "pki");
  const fix = "reset this host with `gantry reset`, or join with another --data-dir";
  await installCa(pkiDir, m.clusterCa, "cluster CA", fix);
  await installCa(path.join(pkiDir, "etcd"), m.etcdCa, "etcd CA", fix);
  if (m.serviceAccount) await installServiceAccountKeys(pkiDir, { privateKeyPem: m.serviceAccount.keyPem, publicKeyPem: m.serviceAccount.pubPem }, fix);
  // Without the first master's keys this master would make its own and could not read any Secret.
  if (m.encryptionConfig !== undefined) await writeFileAtomic(path.join(dataDir, ENCRYPTION_CONFIG_FILE), m.encryptionConfig, 0o600);
}

/** `m1 https://…:2380, m2 …`, as etcd lists them now. */
async function etcdMembers(endpoints: string[], pkiDir: string): Promise<string> {
  const client = directClient(endpoints, await readApiserverEtcdClient(pkiDir), 5000);
  try {
    const { members } = await client.cluster.memberList({});
    return members.map((m) => `${m.name || "?"}${m.isLearner ? " (learner)" : ""} ${m.peerURLs.join(",")}`).join(", ");
  } catch (err) {
    return `(could not be listed: ${(err as Error).message})`;
  } finally {
    client.close();
  }
}
