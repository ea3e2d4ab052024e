#!/usr/bin/env node
// The `gantry` command: `gantry master` and (later) `gantry agent`. Flags follow DESIGN.md §9.

import { Command, InvalidArgumentError } from "commander";
import os from "node:os";
import { readFile } from "node:fs/promises";
import { runAgent } from "../agent/agent";
import { cleanupNodeNetwork } from "../netns/cleanup";
import { joinCluster } from "../agent/join";
import { Master } from "../master/master";
import { createLogger } from "../master/log";
import { registerInstallCommands } from "./install";
import { registerSuperviseCommand } from "./supervise";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a port number");
  return n;
}

function urlList(value: string): string[] {
  const urls = value.split(",").map((u) => u.trim()).filter((u) => u !== "");
  for (const u of urls) if (!/^https?:\/\/[^/]+\/?$/.test(u)) throw new InvalidArgumentError(`"${u}" is not a URL like http://10.0.0.1:2379`);
  return urls;
}

function bool(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("not true or false");
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 300) throw new InvalidArgumentError("not a whole number of seconds between 2 and 300");
  return n;
}

const program = new Command("gantry").description("A Kubernetes-compatible container orchestrator");

program
  .command("master")
  .description("run a control-plane member: etcd, the Kubernetes API, and (while elected leader) the controllers")
  .option("--data-dir <dir>", "where etcd data, certificates and tokens live", "/var/lib/gantry/master")
  .option("--bind-address <ip>", "address the API listens on", "0.0.0.0")
  .option("--advertise-address <ip>", "address other hosts reach this master at", "127.0.0.1")
  .option("--port <port>", "API port", port, 6443)
  .option("--name <name>", "this master's name: its etcd member name and leader identity; unique per cluster", "master-0")
  .option("--etcd-client-port <port>", "etcd client port", port, 2379)
  .option("--etcd-peer-port <port>", "etcd peer port", port, 2380)
  .option("--admin-kubeconfig <file>", "also write the admin kubeconfig here")
  .option("--initial-cluster <members>", "HA bootstrap: name=http://host:peer-port,... of every master (same on all; --name must be one of them)")
  .option("--join <urls>", "HA: add this master to the running cluster whose etcd client URLs are given (comma-separated)", urlList)
  .option("--etcd-servers <urls>", "etcd client URLs the API uses (comma-separated); default: local member first, then every member's", urlList)
  .option("--ca-dir <dir>", "HA: copy the cluster CA (ca.crt, ca.key) from here on first start, e.g. the first master's <data-dir>/pki")
  .option("--leader-lease-ttl <seconds>", "TTL of the leader lease; a dead leader is replaced after about this long", seconds, 10)
  .option("--node-monitor-grace-period <seconds>", "a node whose agent sent no heartbeat for this long is NotReady", seconds, 40)
  .action(async (opts) => {
    const log = createLogger("gantry-master");
    const master = new Master({
      dataDir: opts.dataDir,
      bindAddress: opts.bindAddress,
      advertiseAddress: opts.advertiseAddress,
      port: opts.port,
      etcdName: opts.name,
      etcdClientPort: opts.etcdClientPort,
      etcdPeerPort: opts.etcdPeerPort,
      adminKubeconfig: opts.adminKubeconfig,
      initialCluster: opts.initialCluster,
      join: opts.join,
      etcdServers: opts.etcdServers,
      caDir: opts.caDir,
      leaderLeaseTtlSeconds: opts.leaderLeaseTtl,
      nodeMonitorGracePeriodSeconds: opts.nodeMonitorGracePeriod,
      log,
    });
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down");
      master.stop().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    try {
      await master.start();
    } catch (err) {
      log.error({ err }, "master failed to start");
      await master.stop().catch(() => {});
      // pino writes asynchronously; exit only once the reason is out.
      await new Promise<void>((resolve) => log.flush(() => resolve()));
      process.exit(1);
    }
  });

const agentCommand = program
  .command("agent")
  .description("run a node agent: pulls images and runs pods with runc under conmon; joins a cluster with --master")
  .option("--node-name <name>", "this node's name", os.hostname())
  .option("--data-dir <dir>", "persistent state: images, pod dirs, desired set", "/var/lib/gantry/agent")
  .option("--run-dir <dir>", "volatile state: network namespaces, runc state, secret tmpfs", "/run/gantry/agent")
  .option("--listen-address <ip>", "gRPC listen address", "0.0.0.0")
  .option("--port <port>", "gRPC port", port, 10250)
  .option("--node-ip <ip>", "the address masters dial (default: first non-loopback IPv4)")
  .option("--cgroup-parent <path>", "cgroup of all pods", "/gantry")
  .option("--insecure-registry <host>", "registry reached over plain HTTP (repeatable; loopback always is)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option("--master <url>", "API server to register with, e.g. https://10.0.0.1:6443")
  .option("--token <token>", "bearer token for --master (the master's <data-dir>/agent.token)")
  .option("--token-file <file>", "read the token from a file")
  .option("--master-ca <file>", "CA certificate of the API server (the master's <data-dir>/pki/ca.crt)")
  .option("--masquerade-outside <bool>", "masquerade pod traffic leaving the cluster's pod ranges (true or false)", bool, true)
  .action(async (opts) => {
    const log = createLogger("gantry-agent");
    const agent = await runAgent({
      nodeName: opts.nodeName,
      dataDir: opts.dataDir,
      runDir: opts.runDir,
      listenAddress: opts.listenAddress,
      port: opts.port,
      nodeIP: opts.nodeIp,
      cgroupParent: opts.cgroupParent,
      insecureRegistries: opts.insecureRegistry,
      masqueradeOutside: opts.masqueradeOutside,
      logger: log,
    });
    const shutdown = (signal: string) => {
      log.info({ signal }, "stopping the agent; containers keep running");
      agent.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    if (opts.master) {
      const token = opts.token ?? (opts.tokenFile ? (await readFile(opts.tokenFile, "utf8")).trim() : undefined);
      if (!token) throw new Error("--master needs --token or --token-file");
      const caPem = opts.masterCa ? await readFile(opts.masterCa, "utf8") : undefined;
      await joinCluster(agent, { masterUrl: opts.master, token, caPem, nodeName: opts.nodeName, retryForMs: 120_000 });
      log.info({ master: opts.master, node: opts.nodeName }, "registered with the master");
    }
  });

agentCommand
  .command("cleanup-network")
  .description("remove what agents added to this host's network (the service proxy's nftables table); `make down` runs it")
  .action(async () => {
    const report = await cleanupNodeNetwork();
    console.log(report.proxyTable ? "removed nftables table ip gantry" : "no nftables table ip gantry");
  });

registerInstallCommands(program);
registerSuperviseCommand(program);

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
