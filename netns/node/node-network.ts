// The node's side of the pod network, level-triggered from each NodeConfig the master sends:
// sysctls, the `gantry0` bridge with the gateway address of the node's pod CIDR, and Gantry's
// routes (routes.ts, with the service range's sink device). Applies are queued, one at a time, the latest config last; a failed step
// is reported and the next config (or retry) applies everything again.
//
// Until a pod CIDR is known the network is "not ready": pods wait (NetworkNotReadyError), and
// listeners of onReady() hear when it becomes ready, so waiting pods start at once.

import { Ipv4Cidr } from "../../api/ipv4-cidr";
import { BRIDGE_NAME, gatewayOf } from "../cni/gantry-network";
import { ensureBridge, removeBridge } from "./bridge";
import type { CommandRunner } from "../host-commands";
import { listGantryRoutes, plannedRoutes, reconcileRoutes, SINK_DEVICE, type RouteChanges, type RouteInputs } from "./routes";
import { ensureSysctls } from "./sysctls";

export interface NodeNetworkOptions {
  exec: CommandRunner;
  bridge?: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export class NodeNetwork {
  readonly bridge: string;
  private podCidr: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly readyListeners = new Set<(podCidr: string) => void>();
  private lastFailed = "";
  private lastSysctlProblems = "[]";

  constructor(private readonly o: NodeNetworkOptions) {
    this.bridge = o.bridge ?? BRIDGE_NAME;
  }

  /** The pod CIDR whose bridge is in place, or undefined while the network is not ready. */
  readyPodCidr(): string | undefined {
    return this.podCidr;
  }

  onReady(listener: (podCidr: string) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Queues the config; resolves once it (and everything queued before) was applied. */
  apply(cfg: RouteInputs): Promise<RouteChanges | undefined> {
    const next = this.queue.then(() => this.applyNow(cfg));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Removes Gantry's routes and the bridge (`gantry teardown-network`, after the pods are gone). */
  async teardown(): Promise<void> {
    await this.queue;
    await reconcileRoutes(this.o.exec, []);
    await removeBridge(this.o.exec, this.bridge);
    await removeBridge(this.o.exec, SINK_DEVICE);
    this.podCidr = undefined;
  }

  private async applyNow(cfg: RouteInputs): Promise<RouteChanges | undefined> {
    // A setting that cannot be made is reported (once) but does not keep pods off the network.
    const sysctlProblems = JSON.stringify(await ensureSysctls(this.o.exec));
    if (sysctlProblems !== "[]" && sysctlProblems !== this.lastSysctlProblems) this.o.log.warn({ problems: JSON.parse(sysctlProblems) as string[] }, "a kernel setting the pod network needs could not be made");
    this.lastSysctlProblems = sysctlProblems;
    // The first IPv4 range is the one pods are numbered from (dual-stack is not done yet).
    const podCidr = cfg.podCidrs.map((c) => Ipv4Cidr.parse(c)).find((c) => c !== undefined);
    let becameReady: string | undefined;
    if (podCidr) {
      // A config without a pod CIDR keeps the bridge: running pods depend on it.
      const cidr = String(podCidr);
      await ensureBridge(this.o.exec, this.bridge, `${gatewayOf(cidr)}/${podCidr.prefix}`);
      if (this.podCidr !== cidr) {
        this.o.log.info({ podCIDR: cidr, bridge: this.bridge, gateway: gatewayOf(cidr) }, "node pod network ready");
        becameReady = cidr;
      }
      this.podCidr = cidr;
    }
    const planned = plannedRoutes(cfg);
    if (planned.some((r) => r.type === "sink")) await ensureBridge(this.o.exec, SINK_DEVICE);
    const changes = await reconcileRoutes(this.o.exec, planned);
    if (changes.added.length + changes.replaced.length + changes.removed.length > 0) {
      this.o.log.info({ added: changes.added, replaced: changes.replaced, removed: changes.removed }, "node routes changed");
    }
    // Said once per distinct set of failures: a periodic re-apply would repeat them otherwise.
    const failed = JSON.stringify(changes.failed);
    if (failed !== this.lastFailed) for (const f of changes.failed) this.o.log.warn({ route: f.route, error: f.error }, "a node route could not be programmed");
    this.lastFailed = failed;
    if (becameReady) for (const l of this.readyListeners) l(becameReady);
    return changes;
  }

  /** Gantry's routes as the kernel has them (tests, diagnostics). */
  routes() {
    return listGantryRoutes(this.o.exec);
  }
}
