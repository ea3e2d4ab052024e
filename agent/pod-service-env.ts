// The Service variables of a container about to be created, from the node's service catalog.
//
// The catalog has a view once the master's first full ServiceUpdate arrived (the master sends it
// before the desired pods of a session) or, after an agent restart, once the view the agent saved
// before was restored (netns/services/catalog-store.ts). A restarted agent that had a view starts
// containers at once with it. Without any view (an agent's first start, or pods given by
// SetDesiredPods with no session), containers created in the agent's first `graceMs` wait for the
// first full set until then; after that they start with what the catalog holds, without waiting.
// (The kubelet instead fails such containers with CreateContainerConfigError until its service
// informer has synced; a master without the service feed would then never start a pod.)

import type { Pod } from "kubernetes-types/core/v1";
import type { ServiceCatalog } from "../netns/services/catalog";
import { serviceEnvironment } from "./pod-spec/service-env";

export class PodServiceEnv {
  private readonly waitUntil: number;
  private warned = false;

  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly warn: (msg: string) => void,
    graceMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.waitUntil = now() + graceMs;
  }

  async forPod(pod: Pod): Promise<Map<string, string>> {
    const left = this.waitUntil - this.now();
    if (!this.catalog.hasView() && left > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.catalog.whenSynced(), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    if (!this.catalog.hasView() && !this.warned) {
      this.warned = true;
      this.warn("no master has sent the cluster's Services yet: containers start without Service environment variables until one does");
    }
    return serviceEnvironment(pod.metadata?.namespace ?? "default", pod.spec?.enableServiceLinks !== false, this.catalog);
  }
}
