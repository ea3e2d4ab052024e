#!/usr/bin/env node
// The `gantry` command: `gantry master` and (later) `gantry agent`. Flags follow DESIGN.md §9.

import { Command, InvalidArgumentError } from "commander";
import { Master } from "../master/master";
import { createLogger } from "../master/log";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a port number");
  return n;
}

const program = new Command("gantry").description("A Kubernetes-compatible container orchestrator");

program
  .command("master")
  .description("run a control-plane member: etcd, the Kubernetes API, controllers")
  .option("--data-dir <dir>", "where etcd data, certificates and tokens live", "/var/lib/gantry/master")
  .option("--bind-address <ip>", "address the API listens on", "0.0.0.0")
  .option("--advertise-address <ip>", "address other hosts reach this master at", "127.0.0.1")
  .option("--port <port>", "API port", port, 6443)
  .option("--name <name>", "etcd member name", "master-0")
  .option("--etcd-client-port <port>", "etcd client port", port, 2379)
  .option("--etcd-peer-port <port>", "etcd peer port", port, 2380)
  .option("--admin-kubeconfig <file>", "also write the admin kubeconfig here")
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
      process.exit(1);
    }
  });

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
