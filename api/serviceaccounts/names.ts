// The names Kubernetes gives service-account things: the user a token authenticates as, its
// groups, the default account, the mount path and the CA ConfigMap every pod's token volume
// reads. Pure.

export const DEFAULT_SERVICE_ACCOUNT = "default";
/** kube-apiserver's usual `--service-account-issuer`; also the API's audience by default. */
export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** Where the ServiceAccount admission plugin mounts the token volume in every container. */
export const TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The root CA publisher's ConfigMap, in every namespace (key `ca.crt`). */
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
export const ROOT_CA_KEY = "ca.crt";

const USER_PREFIX = "system:serviceaccount:";
export const SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${USER_PREFIX}${namespace}:${name}`;
}

/** `system:serviceaccounts` and `system:serviceaccounts:<namespace>`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** The namespace and name a service-account username stands for, or undefined. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(USER_PREFIX)) return undefined;
  const [namespace, name, ...rest] = username.slice(USER_PREFIX.length).split(":");
  if (!namespace || !name || rest.length > 0) return undefined;
  return { namespace, name };
}
