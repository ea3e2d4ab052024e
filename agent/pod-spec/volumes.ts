// What each pod volume is on the node (planVolumes) and how a container sees it
// (containerMounts). Pure: the sandbox step (agent/sandbox) creates the directories, tmpfs
// mounts and files a plan describes.
//
//   emptyDir            dir under the pod dir; medium Memory -> tmpfs (sizeLimit honoured)
//   hostPath            the host path itself, type-checked at setup
//   configMap           files written atomically under the pod dir
//   secret, projected   the same, but on a tmpfs mounted for this volume: never on disk
//                       (a projected serviceAccountToken is the token the master issued)
//   downwardAPI         files from pod fields

import type { Container, Pod, Volume } from "kubernetes-types/core/v1";
import type { Mount } from "../../runtime/types";
import { parseBytes } from "../../api/quantity";
import { ConfigError, VolumeError } from "./errors";
import { expand } from "./expand";
import type { PodRuntimeFacts } from "./field-ref";
import type { PodPaths } from "./pod-paths";
import { DEFAULT_MODE, checkRelativePath, configMapFiles, downwardApiFiles, secretFiles, type ProjectedFile } from "./projection";
import { NO_TOKENS, type TokenLookup } from "./token-data";
import type { VolumeDataLookup } from "./volume-data";

export type VolumePlan =
  | { name: string; kind: "emptyDir"; path: string; tmpfs: boolean; sizeLimitBytes?: number }
  | { name: string; kind: "hostPath"; path: string; type: string }
  | { name: string; kind: "files"; path: string; tmpfs: boolean; files: ProjectedFile[] };

function planOne(v: Volume, pod: Pod, paths: PodPaths, data: VolumeDataLookup, facts: PodRuntimeFacts, tokens: TokenLookup): VolumePlan {
  const name = v.name;
  if (v.hostPath) {
    if (!v.hostPath.path.startsWith("/")) throw new VolumeError(name, `hostPath ${JSON.stringify(v.hostPath.path)} must be absolute`);
    return { name, kind: "hostPath", path: v.hostPath.path, type: v.hostPath.type ?? "" };
  }
  if (v.configMap) {
    return { name, kind: "files", path: paths.volume("configmap", name), tmpfs: false, files: configMapFiles(name, pod, v.configMap, data) };
  }
  if (v.secret) {
    return { name, kind: "files", path: paths.volume("secret", name), tmpfs: true, files: secretFiles(name, pod, v.secret, data) };
  }
  if (v.downwardAPI) {
    return { name, kind: "files", path: paths.volume("downward-api", name), tmpfs: false, files: downwardApiFiles(name, pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, facts) };
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    const files: ProjectedFile[] = [];
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) files.push(...configMapFiles(name, pod, s.configMap, data, mode));
      else if (s.secret) files.push(...secretFiles(name, pod, s.secret, data, mode));
      else if (s.downwardAPI) files.push(...downwardApiFiles(name, pod, s.downwardAPI.items ?? [], mode, facts));
      else if (s.serviceAccountToken) files.push(tokenFile(name, s.serviceAccountToken, tokens, mode));
      else throw new VolumeError(name, "projected source of an unsupported kind");
    }
    return { name, kind: "files", path: paths.volume("projected", name), tmpfs: true, files };
  }
  if (v.emptyDir || Object.keys(v).length === 1) {
    const memory = v.emptyDir?.medium === "Memory";
    const plan: VolumePlan = { name, kind: "emptyDir", path: paths.volume("empty-dir", name), tmpfs: memory };
    if (v.emptyDir?.sizeLimit !== undefined && memory) plan.sizeLimitBytes = parseBytes(String(v.emptyDir.sizeLimit));
    return plan;
  }
  const kind = Object.keys(v).find((k) => k !== "name") ?? "unknown";
  throw new VolumeError(name, `volume type ${kind} is not supported by this node`);
}

function tokenFile(volume: string, src: { path: string; audience?: string; expirationSeconds?: number }, tokens: TokenLookup, mode: number): ProjectedFile {
  const token = tokens.get({ audience: src.audience ?? "", expirationSeconds: src.expirationSeconds ?? 3600 });
  if (token === undefined) throw new VolumeError(volume, "failed to fetch token: no token for this projection yet");
  return { path: checkRelativePath(volume, src.path), data: Buffer.from(token), mode };
}

/** Every pod volume's plan; throws VolumeError for the first that cannot be set up. */
export function planVolumes(pod: Pod, paths: PodPaths, data: VolumeDataLookup, facts: PodRuntimeFacts, tokens: TokenLookup = NO_TOKENS): VolumePlan[] {
  return (pod.spec?.volumes ?? []).map((v) => planOne(v, pod, paths, data, facts, tokens));
}

/** Whether a volume projects a service-account token (its files must be refreshed). */
export function projectsToken(v: Volume): boolean {
  return (v.projected?.sources ?? []).some((s) => s.serviceAccountToken !== undefined);
}

/** A volumeMount with a subPath. The container binds `staging`, which the executor first
 *  bind-mounts to `subPath` resolved inside the volume without leaving it
 *  (agent/sandbox/subpath.ts): joining the strings here would let a symlink the container made
 *  in the volume point the bind anywhere on the host. */
export interface SubPathMount {
  /** The volumeMount's (and volume's) name. */
  volumeMount: string;
  container: string;
  volumePath: string;
  /** Relative, without "." or ".." components. */
  subPath: string;
  staging: string;
}

export interface ContainerMounts {
  mounts: Mount[];
  subPaths: SubPathMount[];
}

/** Bind mounts for a container's volumeMounts (subPath and subPathExpr honoured). */
export function containerMounts(container: Container, plans: readonly VolumePlan[], vars: Map<string, string>, paths: PodPaths): ContainerMounts {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const subPaths: SubPathMount[] = [];
  const mounts = (container.volumeMounts ?? []).map((vm, index) => {
    const plan = byName.get(vm.name);
    if (!plan) throw new ConfigError("CreateContainerConfigError", `container ${container.name}: volumeMount ${JSON.stringify(vm.name)} names no volume of the pod`);
    let source = plan.path;
    const sub = vm.subPathExpr ? expand(vm.subPathExpr, (n) => vars.get(n)) : vm.subPath;
    let subPath = "";
    try {
      if (sub) subPath = checkRelativePath(vm.name, sub);
    } catch (err) {
      throw new ConfigError("CreateContainerConfigError", `container ${container.name}: ${(err as Error).message}`);
    }
    if (subPath) {
      source = paths.subPathStaging(vm.name, container.name, index);
      subPaths.push({ volumeMount: vm.name, container: container.name, volumePath: plan.path, subPath, staging: source });
    }
    const mount: Mount = { destination: vm.mountPath, source, type: "bind", options: ["rbind", "rprivate", vm.readOnly ? "ro" : "rw"] };
    return mount;
  });
  return { mounts, subPaths };
}
