// `gantry agent`: run a node agent. With `--kubeconfig` (the identity `gantry join` wrote) it
// registers its Node with the node's client certificate and keeps its certificates renewed;
// without, it runs standalone (tests, or a master dialling it directly).
//
// The agent flags are shared with `gantry join`, which passes them on to the agent it starts.

import { type Command, InvalidArgumentError } from "commander";
import { isIP } from "node:net";
import os from "node:os";
import { runAgent } from "../agent/agent";
import { NodeIdentity } from "../agent/bootstrap/node-identity";
import { runAsMember } from "../agent/join";
import { agentServerCredentials, NodeCertificateProvider } from "../agent/server-tls";
import { parseQuantity } from "../api/quantity";
import { createLogger } from "../master/log";
import { cleanupNodeNetwork } from "../netns/cleanup";
import { upstreamsFromFlags } from "../netns/dns/upstreams";
import { DefaultUnpackLimits, humanBytes } from "../runtime/image/limits";

export const DEFAULT_AGENT_KUBECONFIG = "/etc/gantry/agent.conf";

export interface AgentFlags {
  nodeName: string;
  dataDir: string;
  runDir: string;
  listenAddress: string;
  port: number;
  nodeIp?: string;
  cgroupParent: string;
  insecureRegistry: string[];
  maxLayerBytes?: number;
  maxImageBytes?: number;
  maxLayerEntries?: number;
  maxFileBytes?: number;
  masqueradeOutside: boolean;
  dnsUpstream: string[];
  podNetwork: "cni" | "loopback";
  cniPath: string;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a port number");
  return n;
}

function bool(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("not true or false");
}

function podNetworkMode(value: string): "cni" | "loopback" {
  if (value !== "cni" && value !== "loopback") throw new InvalidArgumentError('must be "cni" or "loopback"');
  return value;
}

/** A positive whole count, as a number or a Kubernetes quantity: "16Gi", "500M", "1000000". */
function count(value: string): number {
  let n: number;
  try {
    n = parseQuantity(value.trim());
  } catch {
    n = NaN;
  }
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("not a positive whole number (a quantity like 16Gi, 500M or 1000000)");
  return n;
}

/** Adds the agent's flags to `cmd` (`gantry agent`, `gantry join`). */
export function addAgentFlags(cmd: Command): Command {
  return cmd
    .option("--node-name <name>", "this node's name", os.hostname())
    .option("--data-dir <dir>", "persistent state: images, pod dirs, desired set, pki/", "/var/lib/gantry/agent")
    .option("--run-dir <dir>", "volatile state: network namespaces, runc state, secret tmpfs", "/run/gantry/agent")
    .option("--listen-address <ip>", "gRPC listen address", "0.0.0.0")
    .option("--port <port>", "gRPC port", port, 10250)
    .option("--node-ip <ip>", "the address masters dial (default: first non-loopback IPv4)")
    .option("--cgroup-parent <path>", "cgroup of all pods", "/gantry")
    .option("--insecure-registry <host>", "registry reached over plain HTTP (repeatable; loopback always is)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--max-layer-bytes <size>", `largest decompressed size of one image layer (default ${humanBytes(DefaultUnpackLimits.maxLayerBytes)})`, count)
    .option("--max-image-bytes <size>", `largest decompressed size of one image, all layers together (default ${humanBytes(DefaultUnpackLimits.maxImageBytes)})`, count)
    .option("--max-layer-entries <n>", `most files, directories and links in one image layer (default ${DefaultUnpackLimits.maxLayerEntries})`, count)
    .option("--max-file-bytes <size>", `largest file in an image layer (default ${humanBytes(DefaultUnpackLimits.maxFileBytes)})`, count)
    .option("--masquerade-outside <bool>", "masquerade pod traffic leaving the cluster's pod ranges (true or false)", bool, true)
    .option("--dns-upstream <ip[:port]>", "resolver for names outside the cluster domain (repeatable; `none` forwards nothing); default: the nameservers of /etc/resolv.conf", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--pod-network <mode>", "cni: pod IPs through the CNI plugins, node bridge and routes from the master; loopback: pods get lo only and the host's network is left alone", podNetworkMode, "cni")
    .option("--cni-path <dirs>", "directories of the CNI plugin binaries (colon-separated)", "/usr/lib/cni");
}

/** The same flags as arguments again, for starting `gantry agent` from `gantry join`. */
export function agentFlagArgs(f: AgentFlags): string[] {
  const args = ["--node-name", f.nodeName, "--data-dir", f.dataDir, "--run-dir", f.runDir, "--listen-address", f.listenAddress, "--port", String(f.port), "--cgroup-parent", f.cgroupParent];
  if (f.nodeIp) args.push("--node-ip", f.nodeIp);
  for (const r of f.insecureRegistry) args.push("--insecure-registry", r);
  const limits: [string, number | undefined][] = [["--max-layer-bytes", f.maxLayerBytes], ["--max-image-bytes", f.maxImageBytes], ["--max-layer-entries", f.maxLayerEntries], ["--max-file-bytes", f.maxFileBytes]];
  for (const [flag, value] of limits) if (value !== undefined) args.push(flag, String(value));
  args.push("--masquerade-outside", String(f.masqueradeOutside));
  for (const u of f.dnsUpstream) args.push("--dns-upstream", u);
  args.push("--pod-network", f.podNetwork, "--cni-path", f.cniPath);
  return args;
}

/**
 * Runs the agent in this process until SIGTERM/SIGINT; as a cluster member when `kubeconfig` is
 * given: its gRPC port is then mutual TLS with the node's serving certificate, masters only
 * (agent/server-tls.ts). Without an identity there is no certificate to serve, so the port is
 * plain gRPC and allowed only on a loopback address (tests, a master on the same host).
 */
export async function runAgentProcess(f: AgentFlags, kubeconfig: string | undefined): Promise<void> {
  const log = createLogger("gantry-agent");
  const identity = kubeconfig ? await NodeIdentity.load(kubeconfig, (msg, err) => (err ? log.warn({ err }, msg) : log.info(msg))) : undefined;
  if (identity && identity.nodeName !== f.nodeName) {
    throw new Error(`${kubeconfig} is the identity of node "${identity.nodeName}", not "${f.nodeName}"; pass --node-name ${identity.nodeName} or join again`);
  }
  if (!identity && !isLoopback(f.listenAddress)) {
    throw new Error(`without --kubeconfig the agent has no certificate and would serve plain gRPC on ${f.listenAddress}; join the cluster first (\`gantry join\`), or listen on a loopback address`);
  }
  const tls = identity && new NodeCertificateProvider(identity.caPem, identity.serving);
  // Each renewed serving certificate is served from the next handshake on.
  identity?.on("servingChanged", (pair) => tls!.setServing(pair));
  const agent = await runAgent({
    serverCredentials: tls && agentServerCredentials(tls),
    nodeName: f.nodeName,
    dataDir: f.dataDir,
    runDir: f.runDir,
    listenAddress: f.listenAddress,
    port: f.port,
    nodeIP: f.nodeIp,
    cgroupParent: f.cgroupParent,
    insecureRegistries: f.insecureRegistry,
    masqueradeOutside: f.masqueradeOutside,
    dns: { upstreams: upstreamsFromFlags(f.dnsUpstream) },
    podNetwork: f.podNetwork,
    cniPath: cniDirs(f.cniPath),
    imageLimits: { maxLayerBytes: f.maxLayerBytes, maxImageBytes: f.maxImageBytes, maxLayerEntries: f.maxLayerEntries, maxFileBytes: f.maxFileBytes },
    logger: log,
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, "stopping the agent; containers keep running");
    identity?.stop();
    agent.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (identity) {
    await runAsMember(agent, identity, { retryForMs: 120_000 });
    log.info({ server: identity.api.server, node: identity.nodeName }, "registered with the cluster as system:node:" + identity.nodeName);
  }
}

function isLoopback(address: string): boolean {
  return isIP(address) !== 0 && (address.startsWith("127.") || address === "::1");
}

function cniDirs(value: string): string[] {
  return String(value).split(":").filter(Boolean);
}

export function registerAgentCommand(program: Command): void {
  const agent = addAgentFlags(program.command("agent").description("run a node agent: pulls images and runs pods with runc under conmon; a cluster member with --kubeconfig"))
    .option("--kubeconfig <file>", `the node identity \`gantry join\` wrote (e.g. ${DEFAULT_AGENT_KUBECONFIG}); without it the agent does not register`)
    .action(async (opts: AgentFlags & { kubeconfig?: string }) => {
      await runAgentProcess(opts, opts.kubeconfig);
    });
  agent
    .command("cleanup-network")
    .description("remove what agents added to this host's network (the service proxy's nftables table; the pod network: each pod's CNI attachment, gantry0, Gantry's routes); `make down` runs it once the agent and its pods are stopped. Takes the agent's --data-dir, --run-dir and --cni-path")
    .action(async () => {
      // The agent command's own options (commander gives them to the parent command).
      const opts = agent.opts<{ dataDir: string; runDir: string; cniPath: string }>();
      const report = await cleanupNodeNetwork(undefined, { dataDir: opts.dataDir, runDir: opts.runDir, cniPath: cniDirs(opts.cniPath) });
      console.log(report.proxyTable ? "removed nftables table ip gantry" : "no nftables table ip gantry");
      const pods = report.podNetwork!;
      console.log(`removed ${pods.attachments} pod network attachment(s)${pods.bridge ? ", the gantry0 bridge" : ""} and ${pods.routes} route(s)`);
      for (const p of pods.problems) console.error(`could not remove: ${p}`);
      if (pods.problems.length > 0) process.exitCode = 1;
    });
}
