// The service-account controller (kube-controller-manager's serviceaccount-controller): a
// `default` ServiceAccount in every namespace, made again when deleted. Pods that name no
// account run as it, and the ServiceAccount admission plugin refuses a pod whose account is
// missing, so a new namespace needs it at once.

import { findResource } from "../../api/resources";
import { DEFAULT_SERVICE_ACCOUNT } from "../../api/serviceaccounts/names";
import type { ComponentDeps, LeaderComponent } from "../component";
import { leaderComponent } from "../controllers/controller-utils";
import { NamespaceObjectController } from "./namespace-object-controller";

export const SERVICE_ACCOUNTS_CONTROLLER = "serviceaccount-controller";

export function serviceAccountsControllerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent(SERVICE_ACCOUNTS_CONTROLLER, deps, (d) =>
    new NamespaceObjectController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }, {
      controller: SERVICE_ACCOUNTS_CONTROLLER,
      resource: findResource("", "v1", "serviceaccounts")!,
      name: DEFAULT_SERVICE_ACCOUNT,
      desired: (namespace) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }),
    }),
  );
}
