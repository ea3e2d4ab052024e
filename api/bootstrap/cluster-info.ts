// The ConfigMap `kube-public/cluster-info`: the one object anonymous users may read. Key
// `kubeconfig` holds a kubeconfig with the API's address and the cluster CA (no user); each
// signing bootstrap token adds `jws-kubeconfig-<token id>`, a detached JWS over that exact text
// (jws.ts). A joining host reads it without trusting the server, checks the signature with its
// token and the CA against its pin, and only then talks to the API for real.

import { parse, stringify } from "yaml";

export const CLUSTER_INFO_NAMESPACE = "kube-public";
export const CLUSTER_INFO_NAME = "cluster-info";
export const KUBECONFIG_KEY = "kubeconfig";
export const JWS_KEY_PREFIX = "jws-kubeconfig-";

export function jwsKey(tokenId: string): string {
  return `${JWS_KEY_PREFIX}${tokenId}`;
}

/** The kubeconfig cluster-info publishes: one cluster, no user (kubeadm's shape). */
export function renderClusterInfoKubeconfig(server: string, caPem: string): string {
  return stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "", cluster: { server, "certificate-authority-data": Buffer.from(caPem, "utf8").toString("base64") } }],
      contexts: null,
      "current-context": "",
      preferences: {},
      users: null,
    },
    { lineWidth: 0 },
  );
}

/** Server URL and CA of a cluster-info kubeconfig; throws saying what is missing. */
export function parseClusterInfoKubeconfig(text: string): { server: string; caPem: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`the cluster-info kubeconfig is not YAML: ${(err as Error).message}`);
  }
  const clusters = (doc as { clusters?: { cluster?: { server?: unknown; "certificate-authority-data"?: unknown } }[] } | null)?.clusters;
  const cluster = Array.isArray(clusters) ? clusters[0]?.cluster : undefined;
  if (typeof cluster?.server !== "string" || !cluster.server.startsWith("https://")) throw new Error("the cluster-info kubeconfig names no https:// server");
  if (typeof cluster["certificate-authority-data"] !== "string") throw new Error("the cluster-info kubeconfig carries no certificate-authority-data");
  const caPem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
  if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("the cluster-info kubeconfig's certificate-authority-data is not a PEM certificate");
  return { server: cluster.server, caPem };
}
