// `gantry agent`: the node agent. runAgent() wires the parts together and starts serving;
// cli/ calls it with the command's flags.
//
//   gRPC (server.ts) ──► SessionHub / SetDesiredPods ──► PodManager ──► PodWorker per pod
//                                                         │  (state machine + executor)
//   StatusReporter ◄── statuses, events ◄─────────────────┘        │
//                                                                   ▼
//                                    runtime (runc+conmon), images, netns, sandbox volumes
//
// Directories (defaults):
//   <dataDir>                 /var/lib/gantry/agent: desired.json, pods/, images/, runtime/
//   <runDir>                  /run/gantry/agent: netns/, runc/ state, secrets/ (a tmpfs the
//                             agent mounts: Secret data of the persisted desired set)
//   <dataDir>/cni             results/ (the CNI attachment of each pod), networks/ (host-local)
//
// The service proxy (netns/proxy) programs the `ip gantry` nftables table of the network
// namespace the agent runs in, from the ServiceCatalog and NodeConfig the master sends.
//
// Stopping the agent (stop(), SIGTERM, or kill -9) leaves pods running; the next start adopts
// them (pod-manager.ts).

import type { ServerCredentials } from "@grpc/grpc-js";
import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";
import { NodeDns } from "../netns/dns/node-dns";
import type { UpstreamAddress } from "../netns/dns/forwarder";
import { hostCommands } from "../netns/host-commands";
import { NetnsRegistry } from "../netns/netns";
import { ServiceProxy } from "../netns/proxy/proxy";
import { ServiceCatalog } from "../netns/services/catalog";
import { CatalogStore } from "../netns/services/catalog-store";
import type { NodeConfig, NodeStatus } from "../proto/gen/agent";
import { resolveUnpackLimits, type UnpackLimits } from "../runtime/image/limits";
import { LocalImageStore } from "../runtime/image/store";
import { RuncRuntime } from "../runtime/runc/runtime";
import type { ContainerRuntime } from "../runtime/types";
import { DesiredStore } from "./desired/persist";
import { ImageService } from "./images";
import { LogRetention } from "./log-retention";
import { AgentMetrics } from "./metrics/agent-metrics";
import { MeteredRuntime } from "./metrics/metered-runtime";
import { AGENT_VERSION, NodeStatusProvider, defaultNodeIP } from "./node/node-status";
import { PodManager } from "./pod-manager";
import { PodServiceEnv } from "./pod-service-env";
import { podNetworking, type PodNetworkMode } from "./pod-networking";
import type { DnsSettings } from "./pod-spec/etc-files";
import { agentService, listen } from "./server";
import { SessionHub } from "./session";
import { StartSlots, defaultStartSlots } from "./start-slots";
import { StatusReporter } from "./status/reporter";
import { issuedToken } from "./tokens/issued-token";
import { ServiceAccountTokens } from "./tokens/service-account-tokens";

export interface AgentOptions {
  /** The node's name (Node.metadata.name); masters must open sessions for this name. */
  nodeName: string;
  /** Persistent state: desired set, pod dirs, images, runtime state. Default /var/lib/gantry/agent. */
  dataDir?: string;
  /** gRPC listen address and port. Defaults 0.0.0.0:10250; port 0 picks a free one. */
  listenAddress?: string;
  port?: number;
  /** The gRPC port's credentials: mutual TLS for a cluster member (server-tls.ts); plain HTTP/2 when unset (tests). */
  serverCredentials?: ServerCredentials;
  /** The container runtime's state root (bundles, logs). Default <dataDir>/runtime. */
  runtimeRoot?: string;
  /** Volatile state: namespaces, runc state, the secrets tmpfs. Default /run/gantry/agent. */
  runDir?: string;
  /** runc --root. Default <runDir>/runc. */
  runcRoot?: string;
  /** cgroupfs parent of every pod's cgroup. Default /gantry. */
  cgroupParent?: string;
  /** Registries reached over plain HTTP (besides localhost, 127.0.0.1, [::1]). */
  insecureRegistries?: string[];
  /** Caps on unpacking images (runtime/image/limits.ts); unset ones take their defaults. */
  imageLimits?: Partial<UnpackLimits>;
  /** The node's InternalIP; default: the first non-loopback IPv4 address. */
  nodeIP?: string;
  /** How long logs of removed pods are kept. Default 1 h. */
  logRetentionMs?: number;
  /** How many pod sandbox set-ups, container creates and starts run at once (start-slots.ts).
   *  Default four per CPU, at most 16. */
  podStartConcurrency?: number;
  /**
   * The node's cluster DNS server (netns/dns): `upstreams` are the resolvers for names outside
   * the cluster domain ([] forwards nothing; default: the host resolv.conf's nameservers), `port`
   * its port (default 53). false: no DNS server (tests that run agents outside a test host).
   */
  dns?: { upstreams?: UpstreamAddress[]; port?: number } | false;
  /** `cni` (default): pod IPs through the CNI plugins and the node network from NodeConfig;
   *  `loopback`: pods get `lo` only and the host's network is left alone (pod-networking.ts). */
  podNetwork?: PodNetworkMode;
  /** Directories of the CNI plugin binaries; default /usr/lib/cni. */
  cniPath?: string[];
  /** Program the service proxy (`ip gantry` nftables table) in this agent's network namespace.
   *  Default true; tests that run an agent in the machine's own namespace turn it off. */
  serviceProxy?: boolean;
  /** The network namespace (an nsfs path) whose node network the agent programs; default the
   *  one it runs in. Tests point it at a namespace they made. */
  nodeNetns?: string;
  /** Masquerade pod traffic that leaves the cluster's pod ranges. Default true. */
  masqueradeOutside?: boolean;
  /** The runc binary (default /usr/sbin/runc). */
  runcPath?: string;
  /** A runtime to use instead of runc (tests of the agent against another implementation). */
  runtime?: ContainerRuntime;
  logger?: pino.Logger;
}

export interface RunningAgent {
  address: string;
  port: number;
  instanceId: string;
  /** The address masters reach this node at (its InternalIP). */
  nodeIP: string;
  /** Capacity, allocatable, conditions and system info, as sent to masters. */
  nodeStatus(): Promise<NodeStatus>;
  /** The cluster's Services as the master last sent them. */
  services: ServiceCatalog;
  /** The node's cluster DNS server (undefined with `dns: false`). */
  dns: NodeDns | undefined;
  /** Stops serving and the pod workers; containers keep running. */
  stop(): Promise<void>;
}

export async function runAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.logger ?? pino({ name: "gantry-agent", level: process.env.GANTRY_LOG_LEVEL ?? "info" });
  const imageLimits = resolveUnpackLimits(options.imageLimits); // bad values fail the start, not every pull
  const dataDir = path.resolve(options.dataDir ?? "/var/lib/gantry/agent");
  const runDir = path.resolve(options.runDir ?? "/run/gantry/agent");
  const podsDir = path.join(dataDir, "pods");
  await fs.mkdir(podsDir, { recursive: true, mode: 0o750 });
  const instanceId = randomUUID();
  const nodeIP = options.nodeIP ?? defaultNodeIP();
  const now = () => Date.now();

  const rawRuntime: ContainerRuntime =
    options.runtime ?? new RuncRuntime({
      root: path.resolve(options.runtimeRoot ?? path.join(dataDir, "runtime")),
      runcRoot: path.resolve(options.runcRoot ?? path.join(runDir, "runc")),
      ...(options.runcPath ? { runcPath: options.runcPath } : {}),
    });
  // This agent's registry (served by GetMetrics, through the API at nodes/<node>/proxy/metrics).
  const metrics = new AgentMetrics();
  const runtime: ContainerRuntime = new MeteredRuntime(rawRuntime, metrics);
  const imageStore = await LocalImageStore.open(path.join(dataDir, "images"));
  const images = new ImageService(imageStore, options.insecureRegistries ?? [], imageLimits);
  const registry = new NetnsRegistry(path.join(runDir, "netns"));
  const networking = podNetworking({ mode: options.podNetwork ?? "cni", dataDir, registry, cniPath: options.cniPath, nodeNetns: options.nodeNetns, log });
  const networks = networking.networks;
  const store = new DesiredStore(dataDir, path.join(runDir, "secrets"));
  await store.init();
  const logRetention = new LogRetention(path.join(dataDir, "log-retention.json"), options.logRetentionMs ?? 3_600_000, now);
  await logRetention.load();
  const reporter = new StatusReporter(100, now);
  const services = new ServiceCatalog();
  // Before the pods start: containers a restarted agent creates get the Services it knew.
  const catalogStore = new CatalogStore(path.join(dataDir, "services.json"), services, (err) => log.warn({ err }, "saving the service catalog failed"));
  await catalogStore.start();
  // Before the master's first full ServiceUpdate it writes nothing: the rules a previous agent
  // left keep serving until then (netns/proxy/README.md).
  const proxy =
    options.serviceProxy === false
      ? undefined
      : new ServiceProxy({ catalog: services, nodeName: options.nodeName, nodeIP, masqueradeOutside: options.masqueradeOutside ?? true, exec: hostCommands(options.nodeNetns), log });
  proxy?.start();

  let nodeConfig: NodeConfig = { podCidrs: [], clusterDns: [], clusterDomain: "cluster.local", routes: [], clusterCidrs: [], serviceCidrs: [] };
  const hostResolvConf = await fs.readFile("/etc/resolv.conf", "utf8").catch(() => "");
  const nodeDns =
    options.dns === false ? undefined : new NodeDns({ catalog: services, upstreams: options.dns?.upstreams, port: options.dns?.port, hostResolvConf, log });
  const dns = (): DnsSettings => ({ clusterDNS: nodeConfig.clusterDns, clusterDomain: nodeConfig.clusterDomain || "cluster.local", hostResolvConf });

  // Tokens come from the master through the session, opened further down.
  const tokens = new ServiceAccountTokens((r) => sessions.requestToken(r).then(issuedToken), now, (msg, err) => log.warn({ err }, msg));
  const pods: PodManager = new PodManager({
    runtime,
    images,
    networks,
    reporter,
    store,
    podsDir,
    hostIP: nodeIP,
    metrics,
    logRetention,
    serviceEnv: new PodServiceEnv(services, (msg) => log.warn(msg)),
    startSlots: new StartSlots(options.podStartConcurrency ?? defaultStartSlots(os.cpus().length)),
    sandboxEnv: {
      podsDir,
      networks,
      hostIP: nodeIP,
      cgroupParent: options.cgroupParent ?? "/gantry",
      dns,
      facts: (podIPs) => ({ nodeName: options.nodeName, hostIP: nodeIP, podIPs }),
      tokens,
    },
    now,
    warn: (msg, err) => log.warn({ err }, msg),
    error: (msg, err) => log.error({ err }, msg),
  });
  metrics.readFrom(pods);
  const nodeStatus = new NodeStatusProvider({ nodeName: options.nodeName, nodeIP, dataDir, images: imageStore, runningPods: () => pods.runningPods() });

  networking.node?.onReady(() => pods.networkReady());
  await pods.start();
  const sweeper = setInterval(() => void logRetention.sweep().catch((err) => log.warn({ err }, "deleting expired logs failed")), 60_000);
  sweeper.unref();
  const tokenRefresher = setInterval(() => pods.refreshTokens(), 1000);
  tokenRefresher.unref();

  let stopping = false;
  const sessions = new SessionHub({
    nodeName: options.nodeName,
    instanceId,
    agentVersion: AGENT_VERSION,
    pods,
    reporter,
    nodeStatus: () => nodeStatus.get(),
    setNodeConfig: (cfg) => {
      nodeConfig = cfg;
      nodeDns?.configure({ podCidrs: cfg.podCidrs, clusterDomain: cfg.clusterDomain || "cluster.local", clusterCidrs: cfg.clusterCidrs, serviceCidrs: cfg.serviceCidrs });
      networking.configure(cfg);
      proxy?.setNodeRanges({ podCIDRs: cfg.podCidrs, clusterCIDRs: cfg.clusterCidrs, serviceCIDRs: cfg.serviceCidrs });
    },
    services,
    log,
  });
  const service = agentService({ pods, reporter, sessions, runtime, images, nodeStatus: () => nodeStatus.get(), metrics, now, stopping: () => stopping });
  const address = options.listenAddress ?? "0.0.0.0";
  const { server, port } = await listen(service, address, options.port ?? 10250, options.serverCredentials);
  log.info({ address, port, node: options.nodeName, instanceId, pods: pods.workers().length }, "agent serving");

  return {
    address,
    port,
    instanceId,
    services,
    dns: nodeDns,
    nodeIP,
    nodeStatus: () => nodeStatus.get(),
    async stop() {
      if (stopping) return;
      stopping = true;
      sessions.closeAll();
      clearInterval(sweeper);
      clearInterval(tokenRefresher);
      networking.stop();
      pods.stop();
      reporter.stop();
      // The rules stay: pods keep reaching Services while the agent is away.
      await proxy?.stop();
      await pods.persist();
      await catalogStore.stop();
      await nodeDns?.stop();
      // Open log follows and exec sessions would hold a graceful shutdown forever.
      await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), new Promise((r) => setTimeout(r, 2000))]);
      server.forceShutdown();
      if (rawRuntime instanceof RuncRuntime) rawRuntime.close();
    },
  };
}
