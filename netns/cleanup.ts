// Removes what the agent added to its node's network, for `gantry agent cleanup-network`
// (`make down` runs it, once the agent and its containers are stopped). One place for every part
// of the node network:
//   - the service proxy's nftables table;
//   - the pod network (given the agent's directories): every recorded CNI attachment is DELed
//     with the configuration it was added with (host-local releases the address, portmap
//     removes its rules, the veth goes), then Gantry's routes, the gantry0 bridge and
//     host-local's directory.
// Idempotent: running it on a clean node changes nothing and succeeds. Sysctls stay as they are.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { CniResultCache } from "./cni/cache";
import { nodeCniPlugin } from "./cni/cni-plugin";
import { cniStateDirs } from "./cni/gantry-network";
import { hostCommands, type CommandRunner } from "./host-commands";
import { NetnsRegistry } from "./netns";
import { bridgeAddresses } from "./node/bridge";
import { listGantryRoutes } from "./node/routes";
import { NodeNetwork } from "./node/node-network";
import { Nft } from "./proxy/nft";
import { NetworkNotReadyError } from "./types";

export interface PodNetworkState {
  /** The agent's --data-dir and --run-dir. */
  dataDir: string;
  runDir: string;
  cniPath?: string[];
  /** The node's namespace (default this process's own). */
  nodeNetns?: string;
}

export interface PodNetworkCleanup {
  /** Pod attachments DELed. */
  attachments: number;
  /** The gantry0 bridge existed and was removed. */
  bridge: boolean;
  /** Gantry's routes removed. */
  routes: number;
  /** What could not be removed, with why. */
  problems: string[];
}

export interface CleanupReport {
  /** The `ip gantry` table existed and was deleted. */
  proxyTable: boolean;
  /** Present when the pod network was asked for. */
  podNetwork?: PodNetworkCleanup;
}

/** Deletes the service proxy's nftables table (rules, maps, sets, affinity state). */
export async function removeProxyTable(exec: CommandRunner = hostCommands()): Promise<boolean> {
  return new Nft(exec).deleteTable();
}

export async function cleanupNodeNetwork(exec: CommandRunner = hostCommands(), pods?: PodNetworkState): Promise<CleanupReport> {
  const proxyTable = await removeProxyTable(exec);
  return pods ? { proxyTable, podNetwork: await removePodNetwork(pods) } : { proxyTable };
}

/** DELs every recorded pod attachment, then removes Gantry's routes, gantry0 and host-local's state. */
export async function removePodNetwork(o: PodNetworkState): Promise<PodNetworkCleanup> {
  const report: PodNetworkCleanup = { attachments: 0, bridge: false, routes: 0, problems: [] };
  const dataDir = path.resolve(o.dataDir);
  const dirs = cniStateDirs(dataDir);
  const cache = new CniResultCache(dirs.results);
  const plugin = nodeCniPlugin({
    dataDir,
    registry: new NetnsRegistry(path.join(path.resolve(o.runDir), "netns")),
    cniPath: o.cniPath,
    nodeNetns: o.nodeNetns,
    network: () => new NetworkNotReadyError("the node network is being removed"),
    warn: () => undefined,
  });
  for (const uid of await cache.list()) {
    try {
      const record = await cache.get(uid);
      if (!record) continue;
      await plugin.tearDown({ podUid: record.podUid, namespace: "", name: "", netnsPath: record.attachment.netns, portMappings: [] });
      report.attachments++;
    } catch (err) {
      report.problems.push(`the network attachment of pod ${uid}: ${(err as Error).message}`);
    }
  }
  const exec = hostCommands(o.nodeNetns);
  try {
    report.routes = (await listGantryRoutes(exec)).length;
    report.bridge = (await bridgeAddresses(exec, "gantry0")) !== undefined;
    await new NodeNetwork({ exec, log: { info: () => undefined, warn: () => undefined } }).teardown();
  } catch (err) {
    report.problems.push(`the node network: ${(err as Error).message}`);
  }
  // With every attachment DELed host-local holds no lease; what is left is its bookkeeping.
  if (report.problems.length === 0) await fs.rm(dirs.ipam, { recursive: true, force: true });
  return report;
}
