// Removes what the agent added to its node's network, for `gantry agent cleanup-network`
// (`make down` runs it). One place for every part of the node network: the service proxy's
// table here; the pod bridge and routes belong here too (NET-A). Idempotent: running it on a
// clean node changes nothing and succeeds.

import { hostCommands, type CommandRunner } from "./host-commands";
import { Nft } from "./proxy/nft";

export interface CleanupReport {
  /** The `ip gantry` table existed and was deleted. */
  proxyTable: boolean;
}

/** Deletes the service proxy's nftables table (rules, maps, sets, affinity state). */
export async function removeProxyTable(exec: CommandRunner = hostCommands()): Promise<boolean> {
  return new Nft(exec).deleteTable();
}

export async function cleanupNodeNetwork(exec: CommandRunner = hostCommands()): Promise<CleanupReport> {
  return { proxyTable: await removeProxyTable(exec) };
}
