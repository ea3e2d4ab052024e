// The user a container runs as: securityContext.runAsUser/runAsGroup of the container, else of
// the pod, else the image's User ("name", "uid", "uid:gid", "name:group"). Numeric ids stay
// numeric; names are resolved by the runtime against the rootfs /etc/passwd.

import type { Container, Pod } from "kubernetes-types/core/v1";

export function resolveUser(pod: Pod, container: Container, imageUser: string | undefined): string | undefined {
  const sc = container.securityContext ?? {};
  const psc = pod.spec?.securityContext ?? {};
  const uid = sc.runAsUser ?? psc.runAsUser;
  const gid = sc.runAsGroup ?? psc.runAsGroup;
  if (uid !== undefined) return gid !== undefined ? `${uid}:${gid}` : `${uid}`;
  const user = imageUser?.trim();
  if (!user) return gid !== undefined ? `0:${gid}` : undefined;
  if (gid !== undefined) return `${user.split(":")[0]}:${gid}`;
  return user;
}
