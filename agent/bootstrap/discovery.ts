// Token discovery, kubeadm's way: learn the cluster's API address and CA from a master without
// trusting the network, and without revealing the token.
//
//   1. Read kube-public/cluster-info anonymously over TLS *without* verifying the server (we
//      do not know the CA yet); nothing secret is sent.
//   2. Its `jws-kubeconfig-<token id>` must be a valid signature of its kubeconfig made with the
//      token's secret: only someone who knows the token could have made it.
//   3. The CA in that kubeconfig must hash to the pinned `sha256:` value.
//   4. Read cluster-info again, now verifying the server with that CA, and expect the same
//      kubeconfig.
// Only then does the caller send the token (tls-bootstrap.ts). A wrong hash or signature stops
// here with an error naming the problem.

import { CLUSTER_INFO_NAME, CLUSTER_INFO_NAMESPACE, KUBECONFIG_KEY, jwsKey, parseClusterInfoKubeconfig } from "../../api/bootstrap/cluster-info";
import { caCertHash } from "../../api/bootstrap/ca-hash";
import { verifyDetached } from "../../api/bootstrap/jws";
import type { BootstrapToken } from "../../api/bootstrap/token";
import { ApiClient, answerMessage } from "../api-client";

const PATH = `/api/v1/namespaces/${CLUSTER_INFO_NAMESPACE}/configmaps/${CLUSTER_INFO_NAME}`;

export interface DiscoveryOptions {
  /** Where to ask: `host:port` or `https://host:port`. */
  address: string;
  token: BootstrapToken;
  /** `sha256:<hex>` pins of acceptable CAs (kubeadm accepts several). */
  caHashes: string[];
  /** Keep trying while cluster-info or the token's signature is not there yet. Default 60 s. */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export interface DiscoveredCluster {
  /** The API URL cluster-info names. */
  server: string;
  caPem: string;
}

/** A failure that retrying cannot fix: the answer is untrustworthy. */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
}

export async function discoverCluster(o: DiscoveryOptions): Promise<DiscoveredCluster> {
  const server = o.address.startsWith("https://") ? o.address : `https://${o.address}`;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const insecure = new ApiClient({ server, insecure: true, timeoutMs: 10_000 });
  for (let attempt = 0; ; attempt++) {
    try {
      const kubeconfig = await signedKubeconfig(insecure, o.token);
      const cluster = parseClusterInfoKubeconfig(kubeconfig);
      const hash = caCertHash(cluster.caPem);
      if (!o.caHashes.includes(hash)) {
        throw new DiscoveryError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned (check --discovery-token-ca-cert-hash)`);
      }
      // Now that the CA is trusted, make sure the pinned server says the same.
      const secure = new ApiClient({ server, caPem: cluster.caPem, timeoutMs: 10_000 });
      if ((await signedKubeconfig(secure, o.token)) !== kubeconfig) throw new DiscoveryError("cluster-info changed between the unverified and the verified read; try again");
      return cluster;
    } catch (err) {
      if (err instanceof DiscoveryError || Date.now() >= deadline) throw err;
      o.log?.(`waiting for cluster-info: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, Math.min(2_000, 250 * 2 ** attempt)));
    }
  }
}

/** cluster-info's kubeconfig, once its signature for `token` checks out. */
async function signedKubeconfig(api: ApiClient, token: BootstrapToken): Promise<string> {
  const answer = await api.request("GET", PATH);
  if (answer.status !== 200) throw new Error(`GET ${PATH}: ${answer.status} ${answerMessage(answer)}`);
  const data = ((answer.body as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const kubeconfig = data[KUBECONFIG_KEY];
  if (typeof kubeconfig !== "string") throw new Error("cluster-info has no kubeconfig yet");
  const signature = data[jwsKey(token.id)];
  if (typeof signature !== "string") {
    throw new Error(`token id "${token.id}" is invalid for this cluster or it has expired. Use "gantry token create" on a master to create a new valid token`);
  }
  if (!(await verifyDetached(signature, kubeconfig, token))) {
    throw new DiscoveryError("failed to verify JWS signature of received cluster info object, can't trust this API Server (is the token right?)");
  }
  return kubeconfig;
}
