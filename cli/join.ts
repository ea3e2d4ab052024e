// `gantry join <master>:6443 --token <t> --discovery-token-ca-cert-hash sha256:<h>`: make this
// host a node of the cluster.
//
//   1. TLS bootstrap (agent/bootstrap/tls-bootstrap.ts): discovery pins the CA before the token
//      is sent anywhere; a CSR made with the token gets the node's client certificate; the
//      identity is written to --kubeconfig (default /etc/gantry/agent.conf) and <data-dir>/pki;
//   2. the agent runs with that identity: a background daemon (startAgent below, the step
//      systemd replaces), or in this process with --foreground; it registers its Node with the
//      certificate, gets its serving certificate, and renews both;
//   3. without --foreground, wait until the Node is Ready.
//
// `--control-plane --certificate-key <key>` makes this host another master instead
// (cli/join-control-plane.ts).

import type { Command } from "commander";
import { parseCaHash } from "../api/bootstrap/ca-hash";
import { requireToken } from "../api/bootstrap/token";
import { NodeIdentity } from "../agent/bootstrap/node-identity";
import { tlsBootstrap } from "../agent/bootstrap/tls-bootstrap";
import { addAgentFlags, agentFlagArgs, DEFAULT_AGENT_KUBECONFIG, runAgentProcess, type AgentFlags } from "./agent";
import { alive, logTail, startDaemon } from "./daemon";
import { addControlPlaneJoinFlags, joinControlPlane, type ControlPlaneJoinFlags } from "./join-control-plane";
import path from "node:path";

interface JoinFlags extends AgentFlags, Omit<ControlPlaneJoinFlags, keyof AgentFlags> {
  token?: string;
  discoveryTokenCaCertHash: string[];
  controlPlane?: boolean;
  kubeconfig: string;
  foreground?: boolean;
  pidFile: string;
  logFile: string;
  timeout: number;
}

export function registerJoinCommand(program: Command): void {
  const cmd = addAgentFlags(program.command("join <address>").description("join this host to a cluster as a node (discovery with a bootstrap token, TLS bootstrap, then the agent), or with --control-plane as another master"));
  addControlPlaneJoinFlags(cmd)
    .requiredOption("--token <token>", "bootstrap token (abcdef.0123456789abcdef), from `gantry init` or `gantry token create`")
    .option("--discovery-token-ca-cert-hash <sha256:hex>", "pin of the cluster CA's public key (repeatable)", (v: string, acc: string[]) => [...acc, parseCaHash(v)], [] as string[])
    .option("--kubeconfig <file>", "where to write the node's kubeconfig", DEFAULT_AGENT_KUBECONFIG)
    .option("--foreground", "run the agent in this process instead of as a background daemon")
    .option("--pid-file <file>", "pid file of the background agent", "/run/gantry/agent.pid")
    .option("--log-file <file>", "log of the background agent", "/var/log/gantry/agent.log")
    .option("--timeout <seconds>", "give up discovery and the certificate request after this long", (v: string) => Number(v), 300)
    .action(async (address: string, opts: JoinFlags) => {
      await join(address, opts, cmd);
    });
}

async function join(address: string, f: JoinFlags, cmd: Command): Promise<void> {
  const token = requireToken(f.token ?? "");
  if (f.discoveryTokenCaCertHash.length === 0) {
    throw new Error("give --discovery-token-ca-cert-hash sha256:<hex> (printed by `gantry init` and `gantry token create --print-join-command`): without it the cluster CA cannot be trusted");
  }
  if (f.controlPlane) return joinControlPlane(address, token, f.discoveryTokenCaCertHash, f, cmd);
  if (f.certificateKey !== undefined) throw new Error("--certificate-key is for --control-plane joins (another master)");
  const started = Date.now();
  const result = await tlsBootstrap({
    address,
    token,
    caHashes: f.discoveryTokenCaCertHash,
    nodeName: f.nodeName,
    files: { kubeconfig: f.kubeconfig, pkiDir: path.join(f.dataDir, "pki") },
    timeoutMs: f.timeout * 1000,
    log: (msg) => console.log(`[discovery] ${msg}`),
  });
  console.log(`[tls-bootstrap] certificate signing request ${result.requestName} approved; the node's identity is in ${f.kubeconfig}`);
  if (f.foreground) {
    await runAgentProcess(f, f.kubeconfig);
    console.log(`[join] node ${f.nodeName} registered with ${result.server} in ${((Date.now() - started) / 1000).toFixed(1)} s; the agent runs in this process`);
    return;
  }
  await startAgent(f);
  console.log(`\nThis node has joined the cluster: node ${f.nodeName} is Ready (${((Date.now() - started) / 1000).toFixed(1)} s).`);
  console.log("Run `kubectl get nodes` on a master to see it.");
}

/** Starts the agent with the node identity and waits until its Node is Ready. The step systemd replaces. */
export async function startAgent(f: JoinFlags): Promise<void> {
  const { pid, started, where } = await startDaemon({ role: "agent", args: ["--kubeconfig", f.kubeconfig, ...agentFlagArgs(f)], pidFile: f.pidFile, logFile: f.logFile });
  console.log(started ? `[agent] started gantry agent (${where})` : `[agent] gantry agent is already running (${where}); it picks up the new identity when restarted`);
  const identity = await NodeIdentity.load(f.kubeconfig, () => {});
  const deadline = Date.now() + f.timeout * 1000;
  for (;;) {
    if (!alive(pid)) throw new Error(`gantry agent exited; last lines of ${f.logFile}:\n${await logTail(f.logFile)}`);
    const answer = await identity.api.request("GET", `/api/v1/nodes/${encodeURIComponent(f.nodeName)}`).catch(() => undefined);
    const conditions = (answer?.body as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? [];
    if (answer?.status === 200 && conditions.some((c) => c.type === "Ready" && c.status === "True")) return;
    if (Date.now() > deadline) throw new Error(`node ${f.nodeName} did not become Ready in ${f.timeout} s; see ${f.logFile}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
