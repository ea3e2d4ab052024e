// `gantry teardown-network`: removes everything an agent's pod network made on this host, for
// `make down` once the agent and its pods are stopped: every recorded CNI attachment is DELed
// with the configuration it was added with (host-local releases the address, portmap removes
// its rules, the veth goes), then Gantry's routes and the gantry0 bridge are removed, and
// host-local's directory with them. Safe to run twice; it does not touch pods' containers.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { CniResultCache } from "../netns/cni/cache";
import { NetnsRegistry } from "../netns/netns";
import { hostRun } from "../netns/node/host";
import { NodeNetwork } from "../netns/node/node-network";
import { NetworkNotReadyError } from "../netns/types";
import { cniDirs, cniPlugin } from "./pod-networking";

export interface TeardownOptions {
  dataDir: string;
  runDir: string;
  cniPath?: string[];
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Returns what could not be removed (empty when everything went). */
export async function teardownPodNetwork(o: TeardownOptions): Promise<string[]> {
  const problems: string[] = [];
  const dataDir = path.resolve(o.dataDir);
  const dirs = cniDirs(dataDir);
  const registry = new NetnsRegistry(path.join(path.resolve(o.runDir), "netns"));
  const cache = new CniResultCache(dirs.results);
  const plugin = cniPlugin({ dataDir, registry, cniPath: o.cniPath, log: o.log }, () => new NetworkNotReadyError("tearing the node network down"));
  for (const uid of await cache.list()) {
    try {
      const record = await cache.get(uid);
      if (!record) continue;
      await plugin.tearDown({ podUid: record.podUid, namespace: "", name: "", netnsPath: record.attachment.netns, portMappings: [] });
      o.log.info({ pod: record.podUid }, "removed a pod's network attachment");
    } catch (err) {
      problems.push(`pod ${uid}: ${(err as Error).message}`);
    }
  }
  try {
    await new NodeNetwork({ host: hostRun(), log: o.log }).teardown();
  } catch (err) {
    problems.push(`node network: ${(err as Error).message}`);
  }
  // With every attachment DELed host-local holds no lease; what is left is its bookkeeping.
  if (problems.length === 0) await fs.rm(dirs.ipam, { recursive: true, force: true });
  return problems;
}
