// `gantry certs upload`: kubeadm's `init phase upload-certs --upload-certs`. Run on a master: it
// reads the CA material from the master's PKI directory and the etcd members' client URLs, and
// stores them encrypted under a certificate key in `kube-system/gantry-certs`
// (api/bootstrap/cert-upload.ts) for 2 hours, then prints the key. `gantry init` does the same
// once the master is up. `gantry join --control-plane --certificate-key <key>` downloads them.

import type { Command } from "commander";
import path from "node:path";
import {
  CERTS_SECRET_NAME,
  CERTS_SECRET_NAMESPACE,
  certsOwnerTokenSecret,
  certsSecret,
  generateCertificateKey,
  parseCertificateKey,
  type ControlPlaneMaterial,
} from "../api/bootstrap/cert-upload";
import { tokenSecretName } from "../api/bootstrap/token";
import type { KubeObject } from "../api/object";
import { answerMessage, type ApiClient } from "../agent/api-client";
import { readMemberRecord } from "../master/member-record";
import { readFile } from "node:fs/promises";
import { readPair } from "../master/pki/files";
import { readServiceAccountKeys } from "../master/pki/service-account-keys";
import { directClient } from "../master/store/direct-client";
import { ENCRYPTION_CONFIG_FILE } from "../master/store/encryption/encryption-config";
import { readApiserverEtcdClient } from "../master/store/etcd-tls";
import { adminClient } from "./admin-client";
import { DEFAULT_ADMIN_KUBECONFIG, DEFAULT_MASTER_DATA_DIR } from "./master";
import { postTokenSecret } from "./token";

const SECRET_PATH = `/api/v1/namespaces/${CERTS_SECRET_NAMESPACE}/secrets/${CERTS_SECRET_NAME}`;

/** Uploads this master's CA material under `key` (a new one unless given); returns the key. */
export async function uploadCerts(api: ApiClient, masterDataDir: string, key: string = generateCertificateKey()): Promise<string> {
  const keyBytes = parseCertificateKey(key);
  const material = await readMaterial(masterDataDir);
  const previous = await api.request("GET", SECRET_PATH);
  const { token, secret: owner } = await postTokenSecret(api, (t) => certsOwnerTokenSecret(t, new Date()));
  if (previous.status === 200) {
    await expectStatus(api.request("DELETE", SECRET_PATH), [200, 202, 404], "replacing the uploaded certificates");
  }
  const created = await api.request("POST", `/api/v1/namespaces/${CERTS_SECRET_NAMESPACE}/secrets`, certsSecret(material, keyBytes, { tokenId: token.id, uid: owner.metadata.uid ?? "" }));
  if (created.status !== 201) throw new Error(`uploading the certificates failed: ${created.status} ${answerMessage(created)}`);
  // The previous upload's owner token has nothing left to own.
  for (const ref of ((previous.status === 200 ? (previous.body as KubeObject) : undefined)?.metadata.ownerReferences ?? [])) {
    if (ref.kind === "Secret" && ref.name !== tokenSecretName(token.id)) await api.request("DELETE", `/api/v1/namespaces/${CERTS_SECRET_NAMESPACE}/secrets/${ref.name}`).catch(() => undefined);
  }
  return key;
}

/** The CAs from `<data-dir>/pki`, the service-account keys if any, and the etcd members' client URLs. */
async function readMaterial(masterDataDir: string): Promise<ControlPlaneMaterial> {
  const pkiDir = path.join(masterDataDir, "pki");
  const clusterCa = await readPair(pkiDir, "ca");
  const etcdCa = await readPair(path.join(pkiDir, "etcd"), "ca");
  if (clusterCa.state !== "present" || etcdCa.state !== "present") {
    throw new Error(`${pkiDir} does not hold the cluster CA and the etcd CA (ca.crt/ca.key, etcd/ca.crt/ca.key); run this on a master, or pass its --data-dir`);
  }
  const sa = await readServiceAccountKeys(pkiDir);
  // Secrets are encrypted at rest with this file's keys: every master must have the same one.
  const encryptionConfig = await readFile(path.join(masterDataDir, ENCRYPTION_CONFIG_FILE), "utf8").catch(() => undefined);
  return {
    clusterCa: clusterCa.pair,
    etcdCa: etcdCa.pair,
    etcdEndpoints: await etcdEndpoints(masterDataDir),
    ...(sa ? { serviceAccount: { keyPem: sa.privateKeyPem, pubPem: sa.publicKeyPem } } : {}),
    ...(encryptionConfig !== undefined ? { encryptionConfig } : {}),
  };
}

/** Every started member's client URL, asked of the members this master last knew. */
async function etcdEndpoints(masterDataDir: string): Promise<string[]> {
  const record = await readMemberRecord(masterDataDir);
  if (!record) throw new Error(`${masterDataDir} has no member.json: start the master on it first (gantry init / gantry master)`);
  const client = directClient(record.endpoints, await readApiserverEtcdClient(path.join(masterDataDir, "pki")), 5000);
  try {
    const { members } = await client.cluster.memberList({});
    const urls = members.flatMap((m) => m.clientURLs);
    return urls.length > 0 ? urls : record.endpoints;
  } catch {
    return record.endpoints;
  } finally {
    client.close();
  }
}

async function expectStatus(answer: ReturnType<ApiClient["request"]>, ok: number[], what: string): Promise<void> {
  const a = await answer;
  if (!ok.includes(a.status)) throw new Error(`${what} failed: ${a.status} ${answerMessage(a)}`);
}

/** kubeadm's words about the key, printed wherever a key is. */
export function certificateKeyNote(key: string): string {
  return [
    `[upload-certs] Using certificate key:`,
    key,
    "",
    `Please note that the certificate-key gives access to cluster sensitive data, keep it secret!`,
    `As a safeguard, uploaded-certs will be deleted in two hours; if necessary, you can use`,
    `"gantry certs upload" to reload certs afterward.`,
  ].join("\n");
}

export function registerCertsCommand(program: Command): void {
  const certs = program.command("certs").description("the control-plane certificates");
  certs
    .command("upload")
    .description(`store this master's CA material in ${CERTS_SECRET_NAMESPACE}/${CERTS_SECRET_NAME}, encrypted under a certificate key, for 2 hours (for \`gantry join --control-plane\`)`)
    .option("--kubeconfig <file>", "admin kubeconfig to talk to the API with", DEFAULT_ADMIN_KUBECONFIG)
    .option("--data-dir <dir>", "this master's data dir (its pki/ holds the CAs)", DEFAULT_MASTER_DATA_DIR)
    .option("--certificate-key <key>", "encrypt under this key (64 hex characters) instead of a new one")
    .action(async (opts: { kubeconfig: string; dataDir: string; certificateKey?: string }) => {
      if (opts.certificateKey !== undefined) parseCertificateKey(opts.certificateKey);
      const admin = await adminClient(opts.kubeconfig);
      const key = await uploadCerts(admin.api, opts.dataDir, opts.certificateKey);
      console.log(`[upload-certs] Storing the certificates in Secret "${CERTS_SECRET_NAME}" in the "${CERTS_SECRET_NAMESPACE}" Namespace`);
      console.log(certificateKeyNote(key));
    });
}
