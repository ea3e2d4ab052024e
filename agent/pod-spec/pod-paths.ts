// Where a pod's files live on the node:
//
//   <podsDir>/<uid>/
//     etc-hosts, etc-hostname, resolv.conf      bind-mounted into every container
//     ns/ipc, ns/uts                              the pod's IPC and UTS namespaces (nsfs mounts)
//     volumes/<kind>/<name>/                      emptyDir, configMap, secret (tmpfs), ...
//     containers/<name>/<attempt>-termination-log bind-mounted at terminationMessagePath
//     volume-subpaths/<volume>/<container>/<i>    a volumeMount's subPath, bind-mounted here
//                                                 (safely) while its container is created

import * as path from "node:path";

export type VolumeDirKind = "empty-dir" | "configmap" | "secret" | "downward-api" | "projected";

const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function safe(segment: string, what: string): string {
  if (!SAFE.test(segment) || segment === "." || segment === "..") throw new Error(`unsafe ${what} ${JSON.stringify(segment)} for a path on the node`);
  return segment;
}

export class PodPaths {
  readonly dir: string;

  constructor(
    readonly podsDir: string,
    readonly uid: string,
  ) {
    this.dir = path.join(podsDir, safe(uid, "pod uid"));
  }

  get hosts(): string {
    return path.join(this.dir, "etc-hosts");
  }

  get hostname(): string {
    return path.join(this.dir, "etc-hostname");
  }

  get resolvConf(): string {
    return path.join(this.dir, "resolv.conf");
  }

  get namespaces(): string {
    return path.join(this.dir, "ns");
  }

  volume(kind: VolumeDirKind, name: string): string {
    return path.join(this.dir, "volumes", kind, safe(name, "volume name"));
  }

  containerDir(name: string): string {
    return path.join(this.dir, "containers", safe(name, "container name"));
  }

  /** Where the subPath of a container's `index`-th volumeMount is staged (kubelet's layout). */
  subPathStaging(volume: string, container: string, index: number): string {
    return path.join(this.dir, "volume-subpaths", safe(volume, "volume name"), safe(container, "container name"), String(index));
  }

  terminationLog(name: string, attempt: number): string {
    return path.join(this.containerDir(name), `${attempt}-termination-log`);
  }
}
