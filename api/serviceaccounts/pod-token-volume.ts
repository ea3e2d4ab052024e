// What the ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) does to a new
// pod once its service account is known, exactly as upstream:
//
//   - `automountServiceAccountToken` of the pod wins, else the account's, else true;
//   - a projected volume `kube-api-access-<5 random chars>` (unless the pod already has a volume
//     named `kube-api-access-…`):
//       defaultMode 0644; serviceAccountToken {path token, expirationSeconds 3607};
//       configMap kube-root-ca.crt {ca.crt → ca.crt}; downwardAPI {namespace ← metadata.namespace}
//   - mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every init and app
//     container that has no mount at that path yet (the volume is added only if one needed it);
//   - a pod without imagePullSecrets gets the account's.
//
// Pure: the apiserver (master/apiserver/service-account-admission.ts) looks the account up.

import type { KubeObject } from "../object";
import { generateName } from "../lifecycle/generate-name";
import { ROOT_CA_CONFIGMAP, ROOT_CA_KEY, TOKEN_MOUNT_PATH } from "./names";

export const TOKEN_VOLUME_PREFIX = "kube-api-access-";
/**
 * The projected token's lifetime: one hour and seven seconds, the value upstream chose so that
 * such tokens can be told apart from ones clients ask for (3600).
 */
export const PROJECTED_TOKEN_EXPIRATION_SECONDS = 3607;
const PROJECTED_DEFAULT_MODE = 0o644;

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

interface Container {
  volumeMounts?: VolumeMount[];
}

interface PodSpec {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: unknown[];
  volumes?: { name: string }[];
  initContainers?: Container[];
  containers?: Container[];
}

/** The pod's preference wins, then the account's; upstream defaults to true. */
export function shouldAutomount(serviceAccount: KubeObject, pod: KubeObject): boolean {
  const fromPod = (pod.spec as PodSpec | undefined)?.automountServiceAccountToken;
  if (typeof fromPod === "boolean") return fromPod;
  const fromAccount = (serviceAccount as { automountServiceAccountToken?: unknown }).automountServiceAccountToken;
  if (typeof fromAccount === "boolean") return fromAccount;
  return true;
}

/** The projected volume source upstream's TokenVolumeSource() returns. */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: PROJECTED_DEFAULT_MODE,
    sources: [
      { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: ROOT_CA_KEY, path: ROOT_CA_KEY }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
  };
}

/**
 * Applies the account to `pod` in place (the admission plugin's mutation after the account was
 * found): the token volume and mounts when automounting, and the account's imagePullSecrets.
 * `random` picks the volume name's suffix.
 */
export function applyServiceAccount(pod: KubeObject, serviceAccount: KubeObject, random: () => number): void {
  const spec = (pod.spec ??= {}) as PodSpec;
  if (shouldAutomount(serviceAccount, pod)) mountToken(spec, random);
  const pullSecrets = (serviceAccount as { imagePullSecrets?: unknown }).imagePullSecrets;
  if ((spec.imagePullSecrets ?? []).length === 0 && Array.isArray(pullSecrets) && pullSecrets.length > 0) {
    spec.imagePullSecrets = structuredClone(pullSecrets);
  }
}

function mountToken(spec: PodSpec, random: () => number): void {
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing?.name ?? generateName(TOKEN_VOLUME_PREFIX, random);
  let needed = false;
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts = (container.volumeMounts ??= []);
    // A mount at the path already (the pod's own token volume) keeps the container as it is.
    if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    mounts.push({ name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH });
    needed = true;
  }
  if (!existing && needed) (spec.volumes ??= []).push({ name: volumeName, projected: tokenVolumeSource() } as { name: string });
}
