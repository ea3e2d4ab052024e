// Pod sandboxes' networks: one namespace per pod, named after the pod uid, wired by a plugin.
// The agent calls ensure() when it (re)creates a sandbox, remove() when the pod is gone, and
// list() after a restart to find namespaces whose pods are no longer wanted.

import type { PortMapping } from "./cni/types";
import { NetnsRegistry } from "./netns";
import type { PodNetwork, PodNetworkPlugin, PodNetworkRequest } from "./types";

const PREFIX = "gantry-";

export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
  /** The pod's hostPorts (setUp only). */
  portMappings?: PortMapping[];
}

/** The namespace name for a pod uid: the whole uid, so two pods can never collide. */
export function netnsName(podUid: string): string {
  const safe = podUid.replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${PREFIX}${safe}`;
}

export class PodNetworks {
  constructor(
    readonly registry: NetnsRegistry,
    private readonly plugin: PodNetworkPlugin,
  ) {}

  /** `alsoPin`: see NetnsRegistry.ensure; `pinned` says whether they were (the namespace was new). */
  async ensure(pod: PodRef, alsoPin: readonly string[] = []): Promise<PodNetwork & { pinned: boolean }> {
    const ns = await this.registry.ensure(netnsName(pod.uid), alsoPin);
    const status = await this.plugin.setUp({ ...this.request(pod, ns.path), fresh: ns.created });
    return { podUid: pod.uid, netnsPath: ns.path, ips: status.ips, pinned: ns.created };
  }

  async remove(pod: PodRef): Promise<void> {
    const name = netnsName(pod.uid);
    await this.plugin.tearDown(this.request(pod, this.registry.path(name)));
    await this.registry.delete(name);
  }

  /** Pod uids the plugin holds state for (e.g. CNI attachments), whatever their namespaces. */
  async attachedPods(): Promise<string[]> {
    return (await this.plugin.attachedPods?.()) ?? [];
  }

  /** Names (not uids: uids were sanitised) of every pod namespace file, live or stale. */
  async list(): Promise<string[]> {
    return (await this.registry.names()).filter((n) => n.startsWith(PREFIX));
  }

  /** Removes a namespace file by name (for ones no known pod owns). */
  async removeByName(name: string): Promise<void> {
    await this.registry.delete(name);
  }

  pathFor(podUid: string): string {
    return this.registry.path(netnsName(podUid));
  }

  private request(pod: PodRef, netnsPath: string): PodNetworkRequest {
    return { podUid: pod.uid, namespace: pod.namespace, name: pod.name, netnsPath, portMappings: pod.portMappings ?? [] };
  }
}
