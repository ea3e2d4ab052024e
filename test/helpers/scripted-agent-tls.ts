// Mutual TLS for scripted agents (test doubles that speak proto/agent.proto) and in-process agents
// behind a real master process: a real master dials
// every agent over TLS and checks it presents `system:node:<name>`'s serving certificate from the
// cluster CA, and a real agent accepts only masters. A scripted agent does the same with a
// certificate signed here straight from the master's CA (a real agent gets its own through a CSR).

import path from "node:path";
import type { ServerCredentials } from "@grpc/grpc-js";
import { agentServerCredentials, NodeCertificateProvider } from "../../agent/server-tls";
import { issueCertificate } from "../../master/pki/certs";
import { readPair } from "../../master/pki/files";

/** Server credentials for `nodeName`'s scripted agent on 127.0.0.1, under the master in `masterDataDir`. */
export async function scriptedAgentCredentials(masterDataDir: string, nodeName: string): Promise<ServerCredentials> {
  const ca = await readPair(path.join(masterDataDir, "pki"), "ca");
  if (ca.state !== "present") throw new Error(`${masterDataDir}/pki has no cluster CA (ca.crt, ca.key)`);
  const serving = await issueCertificate(ca.pair, { commonName: `system:node:${nodeName}`, ipAddresses: ["127.0.0.1"], usages: ["server"] });
  return agentServerCredentials(new NodeCertificateProvider(ca.pair.certPem, serving));
}
