// Kubernetes Pod + image config -> the runtime's ContainerConfig for one container start.
// Pure: every file it names (hosts, resolv.conf, volumes, subPath staging, termination log) is
// made by the sandbox step or the executor before the runtime sees the config.

import type { Container, Pod } from "kubernetes-types/core/v1";
import type { ImageConfig } from "../../runtime/image/types";
import type { ContainerConfig, Mount } from "../../runtime/types";
import { Label } from "../labels";
import type { ContainerKind } from "../pod-worker/types";
import { resolveArgv } from "./command";
import { buildEnv } from "./env";
import { podHostname } from "./etc-files";
import type { PodRuntimeFacts } from "./field-ref";
import type { PodPaths } from "./pod-paths";
import { containerResources } from "./resources";
import { resolveUser } from "./user";
import { containerMounts, type SubPathMount, type VolumePlan } from "./volumes";
import type { VolumeDataLookup } from "./volume-data";

/** The kubelet's defaults: 10 MiB per log file, 5 files. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_MAX_FILES = 5;

export interface ContainerBuildInput {
  pod: Pod;
  container: Container;
  kind: ContainerKind;
  attempt: number;
  id: string;
  image: { config: ImageConfig; layers: string[] };
  data: VolumeDataLookup;
  facts: PodRuntimeFacts;
  /** The pod's Service variables (service-env.ts); none when absent. */
  serviceEnv?: ReadonlyMap<string, string>;
  paths: PodPaths;
  volumes: readonly VolumePlan[];
  netnsPath: string;
  ipcnsPath: string;
  utsnsPath: string;
  /** An ephemeral container's target's PID namespace. */
  pidnsPath?: string;
  cgroupParent: string;
}

export interface BuiltContainer {
  config: ContainerConfig;
  /** envFrom keys skipped as invalid variable names (worth an event). */
  skippedEnv: string[];
  /** Mounts whose source (a staging path) must be bind-mounted safely before the create. */
  subPaths: SubPathMount[];
}

export function buildContainerConfig(input: ContainerBuildInput): BuiltContainer {
  const { pod, container, image } = input;
  const imageCfg = image.config.config;
  const { env, vars, skipped } = buildEnv(pod, container, imageCfg?.Env ?? [], input.data, input.facts, input.serviceEnv);
  const { mounts, subPaths } = containerMounts(container, input.volumes, vars, input.paths);
  const mountedAt = new Set(mounts.map((m) => m.destination));
  const bind = (destination: string, source: string, ro = false): Mount => ({ destination, source, type: "bind", options: ["rbind", "rprivate", ro ? "ro" : "rw"] });
  // The pod's files, unless the container mounts something of its own there.
  const podFiles: Mount[] = [];
  if (!mountedAt.has("/etc/hosts")) podFiles.push(bind("/etc/hosts", input.paths.hosts));
  if (!mountedAt.has("/etc/hostname")) podFiles.push(bind("/etc/hostname", input.paths.hostname));
  if (!mountedAt.has("/etc/resolv.conf")) podFiles.push(bind("/etc/resolv.conf", input.paths.resolvConf));
  const terminationPath = container.terminationMessagePath || "/dev/termination-log";
  const terminationLog = input.paths.terminationLog(container.name, input.attempt);
  if (!mountedAt.has(terminationPath)) podFiles.push(bind(terminationPath, terminationLog));

  const meta = pod.metadata ?? {};
  const labels: Record<string, string> = {
    [Label.podUid]: meta.uid ?? "",
    [Label.podName]: meta.name ?? "",
    [Label.podNamespace]: meta.namespace ?? "",
    [Label.containerName]: container.name,
    [Label.containerKind]: input.kind,
    [Label.attempt]: String(input.attempt),
    [Label.image]: container.image ?? "",
    [Label.podGracePeriod]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
    [Label.terminationLog]: terminationLog,
    [Label.terminationMessagePolicy]: container.terminationMessagePolicy ?? "File",
  };
  const sc = container.securityContext ?? {};
  const config: ContainerConfig = {
    id: input.id,
    labels,
    layers: image.layers,
    args: resolveArgv(container, imageCfg, vars),
    env,
    workingDir: container.workingDir || imageCfg?.WorkingDir || "/",
    hostname: podHostname(pod),
    mounts: [...podFiles, ...mounts],
    netnsPath: input.netnsPath,
    ipcnsPath: input.ipcnsPath,
    utsnsPath: input.utsnsPath,
    ...(input.pidnsPath ? { pidnsPath: input.pidnsPath } : {}),
    resources: containerResources(container),
    cgroupParent: input.cgroupParent,
    tty: container.tty ?? false,
    stdin: container.stdin ?? false,
    stdinOnce: container.stdinOnce ?? false,
    readOnlyRootfs: sc.readOnlyRootFilesystem ?? false,
    privileged: sc.privileged ?? false,
    logMaxBytes: LOG_MAX_BYTES,
    logMaxFiles: LOG_MAX_FILES,
  };
  const user = resolveUser(pod, container, imageCfg?.User);
  if (user !== undefined) config.user = user;
  if (imageCfg?.StopSignal) config.stopSignal = imageCfg.StopSignal;
  return { config, skippedEnv: skipped, subPaths };
}
