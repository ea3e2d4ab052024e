// The root CA publisher (kube-controller-manager's root-ca-cert-publisher): a ConfigMap
// `kube-root-ca.crt` in every namespace whose `ca.crt` is the cluster CA, which every pod's
// token volume projects next to the token, so clients in pods can verify the API's certificate.
// A changed or deleted one is put back; its data is exactly `ca.crt`, as upstream keeps it.

import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ROOT_CA_CONFIGMAP, ROOT_CA_KEY } from "../../api/serviceaccounts/names";
import type { ComponentDeps, LeaderComponent } from "../component";
import { leaderComponent } from "../controllers/controller-utils";
import { NamespaceObjectController } from "./namespace-object-controller";

export const ROOT_CA_PUBLISHER = "root-ca-cert-publisher";
const DESCRIPTION_ANNOTATION = "kubernetes.io/description";
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/** The ConfigMap as it should be, or undefined when `current` already is. */
export function correctedRootCa(current: KubeObject, caPem: string): KubeObject | undefined {
  const data = (current.data ?? {}) as Record<string, string>;
  const keys = Object.keys(data);
  const annotations = current.metadata.annotations ?? {};
  if (keys.length === 1 && data[ROOT_CA_KEY] === caPem && annotations[DESCRIPTION_ANNOTATION]) return undefined;
  return { ...current, data: { [ROOT_CA_KEY]: caPem }, metadata: { ...current.metadata, annotations: { ...annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } } };
}

export function rootCaPublisherComponent(deps: ComponentDeps): LeaderComponent[] {
  const caPem = deps.ca?.caCert;
  if (!caPem) return [];
  return [
    leaderComponent(ROOT_CA_PUBLISHER, deps, (d) =>
      new NamespaceObjectController(d.ctx, { log: (msg, err) => d.log.warn({ err }, msg) }, {
        controller: ROOT_CA_PUBLISHER,
        resource: findResource("", "v1", "configmaps")!,
        name: ROOT_CA_CONFIGMAP,
        desired: (namespace) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
          data: { [ROOT_CA_KEY]: caPem },
        }),
        corrected: (current) => correctedRootCa(current, caPem),
      }),
    ),
  ];
}
