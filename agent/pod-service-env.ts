// The Service variables of a container about to be created, from the node's service catalog.
//
// The catalog has a view once the master's first full ServiceUpdate arrived (the master sends it
// before the desired pods of a session) or, after an agent restart, once the view the agent saved
// before was restored (netns/services/catalog-store.ts). A container created before either —
// only possible for an agent that never had a session and finds persisted pods — waits briefly
// for the first full set, then fails with the kubelet's CreateContainerConfigError and is
// retried with back-off like any other configuration error.

import type { Pod } from "kubernetes-types/core/v1";
import type { ServiceCatalog } from "../netns/services/catalog";
import { ConfigError } from "./pod-spec/errors";
import { serviceEnvironment } from "./pod-spec/service-env";

export class PodServiceEnv {
  constructor(
    private readonly catalog: ServiceCatalog,
    private readonly waitMs = 5000,
  ) {}

  async forPod(pod: Pod): Promise<Map<string, string>> {
    if (!this.catalog.hasView()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.catalog.whenSynced(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))]);
      clearTimeout(timer);
      if (!this.catalog.hasView()) throw new ConfigError("CreateContainerConfigError", "services have not yet been read at least once, cannot construct envvars");
    }
    return serviceEnvironment(pod.metadata?.namespace ?? "default", pod.spec?.enableServiceLinks !== false, this.catalog);
  }
}
