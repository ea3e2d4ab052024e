// Where a pod's files live on the node:
//
//   <podsDir>/<uid>/
//     etc-hosts, etc-hostname, resolv.conf      bind-mounted into every container
//     volumes/<kind>/<name>/                      emptyDir, configMap, secret (tmpfs), ...
//     containers/<name>/<attempt>-termination-log bind-mounted at terminationMessagePath

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

  volume(kind: VolumeDirKind, name: string): string {
    return path.join(this.dir, "volumes", kind, safe(name, "volume name"));
  }

  containerDir(name: string): string {
    return path.join(this.dir, "containers", safe(name, "container name"));
  }

  terminationLog(name: string, attempt: number): string {
    return path.join(this.containerDir(name), `${attempt}-termination-log`);
  }
}
