// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount), for pod
// creates, from clients and controllers alike: a pod without serviceAccountName runs as
// `default` (the defaults already set it); the account must exist, else
//
//   pods "web" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found
//
// and the pod gets the projected token volume and mounts (api/serviceaccounts/pod-token-volume.ts)
// unless automountServiceAccountToken is false on the pod or the account.
//
// `default` is made by the service-account controller right after its namespace, so a pod
// created at once may find it missing: like upstream, such a lookup is retried for up to about
// two seconds. Enabled per ApiContext by the API server that serves it (it owns the caches);
// an ApiContext without one (controller tests in-process) admits pods unchanged.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { DEFAULT_SERVICE_ACCOUNT } from "../../api/serviceaccounts/names";
import { applyServiceAccount } from "../../api/serviceaccounts/pod-token-volume";
import { forbidden } from "../auth/forbidden";
import type { ApiContext } from "./context";

export interface ServiceAccountLookup {
  /** The account, from a cache or the store; undefined when it does not exist. */
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
}

const lookups = new WeakMap<ApiContext, ServiceAccountLookup>();

/** Turns the plugin on for `ctx`; the returned function turns it off again. */
export function enableServiceAccountAdmission(ctx: ApiContext, lookup: ServiceAccountLookup): () => void {
  lookups.set(ctx, lookup);
  return () => {
    if (lookups.get(ctx) === lookup) lookups.delete(ctx);
  };
}

const DEFAULT_ACCOUNT_ATTEMPTS = 10;

/** Mutates the defaulted `pod` in place; throws the 403 when its account does not exist. */
export async function admitServiceAccount(ctx: ApiContext, pod: KubeObject, random: () => number): Promise<void> {
  const lookup = lookups.get(ctx);
  if (!lookup) return;
  const spec = (pod.spec ??= {}) as { serviceAccountName?: string; serviceAccount?: string };
  if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
  spec.serviceAccount = spec.serviceAccountName;
  const namespace = pod.metadata.namespace ?? "";
  const name = spec.serviceAccountName;
  const attempts = name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_ACCOUNT_ATTEMPTS : 1;
  const interval = 100 + Math.floor(random() * 100);
  let account: KubeObject | undefined;
  for (let i = 0; i < attempts && !account; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, interval));
    try {
      account = await lookup.serviceAccount(namespace, name);
    } catch (err) {
      throw lookupFailed(pod, namespace, name, err instanceof Error ? err.message : String(err));
    }
  }
  if (!account) throw lookupFailed(pod, namespace, name, `serviceaccount "${name}" not found`);
  applyServiceAccount(pod, account, random);
}

function lookupFailed(pod: KubeObject, namespace: string, name: string, why: string): ApiError {
  return forbidden("", "pods", pod.metadata.name ?? "", `error looking up service account ${namespace}/${name}: ${why}`);
}
