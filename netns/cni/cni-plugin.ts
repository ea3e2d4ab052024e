// The CNI implementation of the pod network seam (../types.ts). One attachment per pod:
// container id = the pod uid, interface eth0, CNI_ARGS with the Kubernetes conventional keys,
// the pod's hostPorts as the portMappings capability argument.
//
//   setUp:    a completed record for this namespace → CHECK it and keep its addresses (an agent
//             restart must not renumber running pods); CHECK fails, or a record without result
//             (the agent died during ADD), or one for another namespace → DEL it first (only
//             once a new ADD is possible: the node has a pod CIDR); then record → ADD → record
//             the result. A failed ADD is DELed at once (spec §3: "a delete must still be
//             executed even if the add fails").
//   tearDown: DEL with the recorded configuration, arguments and result (CNI_NETNS empty when
//             the namespace is already gone), then forget the record. Nothing recorded → nothing
//             to do.
//
// Operations on one pod are serialised (spec §3: no parallel operations for one container).

import { NetworkNotReadyError, type PodNetworkPlugin, type PodNetworkRequest, type PodNetworkStatus } from "../types";
import { netnsPrefix } from "../host-commands";
import type { NetnsRegistry } from "../netns";
import { CniResultCache, type CachedAttachment } from "./cache";
import { addNetworkList, checkNetworkList, delNetworkList } from "./conflist";
import { DEFAULT_CNI_PATH, localRunner } from "./exec";
import { cniStateDirs, POD_IFNAME } from "./gantry-network";
import { podIPsOf, type Attachment, type NetworkConfigList, type PluginRunner } from "./types";

export interface CniPluginOptions {
  runner: PluginRunner;
  cache: CniResultCache;
  /** The configuration for a new attachment, or why there is none yet (the node has no pod CIDR). */
  network(req: PodNetworkRequest): NetworkConfigList | NetworkNotReadyError;
  /** Whether a namespace file is a live namespace (a stale path gets CNI_NETNS=""). */
  isLive(netnsPath: string): Promise<boolean>;
  warn(msg: string, err?: unknown): void;
}

export class CniPlugin implements PodNetworkPlugin {
  readonly name = "cni";
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly o: CniPluginOptions) {}

  setUp(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    return this.serial(req.podUid, () => this.setUpNow(req));
  }

  tearDown(req: PodNetworkRequest): Promise<void> {
    return this.serial(req.podUid, async () => {
      const cached = await this.o.cache.get(req.podUid);
      if (cached) await this.del(cached);
    });
  }

  attachedPods(): Promise<string[]> {
    return this.o.cache.list();
  }

  private async setUpNow(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    const cached = await this.o.cache.get(req.podUid);
    if (cached?.result && cached.attachment.netns === req.netnsPath) {
      try {
        await checkNetworkList(this.o.runner, cached.network, cached.attachment, cached.result);
        return { ips: podIPsOf(cached.result, cached.attachment.ifName) };
      } catch (err) {
        this.o.warn(`the network of pod ${req.namespace}/${req.name} failed its CNI CHECK; attaching it again`, err);
      }
    }
    // Not ready: keep whatever is attached (a pod adopted before the master's NodeConfig came)
    // rather than DEL something that could not be added again.
    const network = this.o.network(req);
    if (network instanceof NetworkNotReadyError) throw network;
    if (cached) await this.del(cached);
    const attachment = attachmentFor(req);
    await this.o.cache.put({ podUid: req.podUid, network, attachment });
    let result;
    try {
      result = await addNetworkList(this.o.runner, network, attachment);
    } catch (err) {
      await this.del({ kind: "GantryCniAttachment", podUid: req.podUid, network, attachment, writtenAt: "" }).catch((delErr) =>
        this.o.warn(`cleaning up after the failed CNI ADD of pod ${req.namespace}/${req.name} failed; retried with the pod`, delErr),
      );
      throw err;
    }
    await this.o.cache.put({ podUid: req.podUid, network, attachment, result });
    const ips = podIPsOf(result, attachment.ifName);
    if (ips.length === 0) throw new Error(`CNI ADD of network "${network.name}" gave interface ${attachment.ifName} no address`);
    return { ips };
  }

  /** DEL exactly what was recorded, then forget it (only once the DEL succeeded). */
  private async del(cached: CachedAttachment): Promise<void> {
    const netns = cached.attachment.netns && (await this.o.isLive(cached.attachment.netns)) ? cached.attachment.netns : "";
    await delNetworkList(this.o.runner, cached.network, { ...cached.attachment, netns }, cached.result);
    await this.o.cache.delete(cached.podUid);
  }

  private serial<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const before = this.busy.get(uid) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.busy.set(uid, settled);
    void settled.then(() => {
      if (this.busy.get(uid) === settled) this.busy.delete(uid);
    });
    return mine;
  }
}

/** The plugin over an agent's attachment records (`<dataDir>/cni/results`), running the plugins
 *  in `nodeNetns` (default: this process's namespace). */
export function nodeCniPlugin(o: {
  dataDir: string;
  registry: NetnsRegistry;
  cniPath?: string[];
  nodeNetns?: string;
  network: CniPluginOptions["network"];
  warn: CniPluginOptions["warn"];
}): CniPlugin {
  return new CniPlugin({
    runner: localRunner(o.cniPath ?? DEFAULT_CNI_PATH, netnsPrefix(o.nodeNetns)),
    cache: new CniResultCache(cniStateDirs(o.dataDir).results),
    network: o.network,
    isLive: (p) => o.registry.isLive(p),
    warn: o.warn,
  });
}

export function attachmentFor(req: PodNetworkRequest): Attachment {
  const containerId = req.podUid.replace(/[^A-Za-z0-9_.-]/g, "_");
  return {
    containerId,
    netns: req.netnsPath,
    ifName: POD_IFNAME,
    // The keys the kubelet passes (IgnoreUnknown lets plugins that do not know them accept them).
    args: [
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAMESPACE", req.namespace],
      ["K8S_POD_NAME", req.name],
      ["K8S_POD_INFRA_CONTAINER_ID", containerId],
      ["K8S_POD_UID", req.podUid],
    ],
    capabilityArgs: req.portMappings.length > 0 ? { portMappings: req.portMappings } : {},
  };
}
