// kubeconfig files for the real kubectl: one cluster, one user with an embedded client
// certificate, one context, set as current. The file holds a private key, so it is written 0600.

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { stringify } from "yaml";
import { writeFileAtomic } from "./files";

export interface KubeconfigOptions {
  /** The apiserver URL, e.g. "https://10.0.0.1:6443". */
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Default "gantry". */
  clusterName?: string;
  /** Default "kubernetes-admin". */
  user?: string;
  /** Default "gantry-admin@gantry". */
  context?: string;
}

/** The kubeconfig YAML for `options`. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const clusterName = options.clusterName ?? "gantry";
  const user = options.user ?? "kubernetes-admin";
  const context = options.context ?? `gantry-admin@${clusterName}`;
  if (!/^https:\/\//.test(options.server)) {
    throw new Error(`kubeconfig: server "${options.server}" must be an https:// URL (client certificates need TLS)`);
  }
  const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: options.server, "certificate-authority-data": b64(options.caPem) } }],
    users: [
      {
        name: user,
        user: { "client-certificate-data": b64(options.clientCertPem), "client-key-data": b64(options.clientKeyPem) },
      },
    ],
    contexts: [{ name: context, context: { cluster: clusterName, user } }],
    "current-context": context,
    preferences: {},
  }, { lineWidth: 0 });
}

/** Writes `renderKubeconfig(options)` to `path` (mode 0600), creating its directory if needed. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  const text = renderKubeconfig(options);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text, 0o600);
}
