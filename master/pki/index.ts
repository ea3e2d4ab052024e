// The cluster PKI's public surface. See README.md.

export type { CertificateAuthority, CertKeyPair, ClusterPki, ServingNames } from "./types";
export {
  ADMIN_GROUP,
  ADMIN_USER,
  APISERVER_DNS_NAMES,
  APISERVER_IPS,
  certificateFingerprint,
  ensureClusterPki,
  ensureMasterAgentClient,
  issueClientCert,
  MASTER_AGENT_CLIENT,
  issueServingCert,
} from "./cluster";
export { apiserverTlsOptions, verifyClientCertificate, type ClientCertificateResult } from "./client-auth";
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from "./kubeconfig";
export { signCertificate, type SigningRequest } from "./certs";
export { ensureEtcdPki, type EtcdMember, type EtcdPki } from "./etcd";
export { ensureServiceAccountKeys, SERVICE_ACCOUNT_KEY_FILES, type ServiceAccountKeys } from "./service-account-keys";
