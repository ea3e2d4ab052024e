// ContainerConfig → OCI runtime-spec config.json. Pure: the user is resolved beforehand (it
// needs the rootfs) and host facts (swap accounting, cgroup driver) come in as options, so the
// whole document is testable as JSON.
//
// No seccomp profile is set yet: containers run unconfined, as with `--security-opt
// seccomp=unconfined`. Capabilities, no_new_privs, masked and read-only /proc paths and the
// device cgroup are the confinement for now; Docker's default profile is future work.

import * as path from "node:path";
import { RuntimeError, type ContainerConfig, type Mount } from "../types";
import {
  allCapabilities,
  defaultCapabilities,
  defaultDeviceRules,
  defaultDevices,
  defaultMaskedPaths,
  defaultMounts,
  defaultNofile,
  defaultPath,
  defaultReadonlyPaths,
} from "./defaults";
import { ociResources } from "./resources";
import type { OciMount, OciNamespace, OciSpec } from "./spec-types";
import type { ResolvedUser } from "./user";

export type CgroupManager = "cgroupfs" | "systemd";

export interface SpecOptions {
  /** From cgroupsPathFor(). */
  cgroupsPath: string;
  limitSwap: boolean;
  /** RLIMIT_NOFILE soft and hard (default 1048576, as containerd and CRI-O). */
  nofile?: number;
}

/**
 * Where the container's cgroup goes. cgroupfs: an absolute path `<parent>/<id>` (runc creates
 * the missing parents). systemd: runc's `slice:prefix:name` form, so systemd owns the scope.
 */
export function cgroupsPathFor(parent: string, id: string, manager: CgroupManager): string {
  if (manager === "systemd") {
    const slice = parent.replace(/^\/+|\/+$/g, "");
    if (!slice.endsWith(".slice")) throw new RuntimeError("InvalidConfig", `cgroup parent ${JSON.stringify(parent)} must be a systemd slice (ending in .slice) with the systemd cgroup manager`);
    return `${slice}:gantry:${id}`;
  }
  return path.posix.join("/", parent, id);
}

function userMount(m: Mount): OciMount {
  if (!path.posix.isAbsolute(m.destination)) throw new RuntimeError("InvalidConfig", `mount destination ${JSON.stringify(m.destination)} is not absolute`);
  const options = [...m.options];
  if (m.type === "bind") {
    if (!path.isAbsolute(m.source)) throw new RuntimeError("InvalidConfig", `bind mount source ${JSON.stringify(m.source)} is not absolute`);
    // runc recognises a bind mount by its options, not its type.
    if (!options.includes("bind") && !options.includes("rbind")) options.unshift("rbind");
    // Without an explicit propagation, keep host mount events out of the container.
    const propagation = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];
    if (!options.some((o) => propagation.includes(o))) options.push("rprivate");
  }
  const destination = path.posix.normalize(m.destination).replace(/(.)\/+$/, "$1");
  return { destination, type: m.type, source: m.source, options };
}

/** Defaults first; a user mount at the same destination (e.g. the pod's /dev/shm) replaces the
 *  default. User mounts are ordered parents-before-children, as containerd does, so a volume
 *  at /a/b is not hidden by one at /a. */
export function buildMounts(config: ContainerConfig): OciMount[] {
  const users = config.mounts.map(userMount);
  const taken = new Set(users.map((m) => m.destination));
  const depth = (p: string) => p.split("/").filter(Boolean).length;
  const sorted = users.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i);
  return [...defaultMounts(config.privileged === true).filter((m) => !taken.has(m.destination)), ...sorted.map((x) => x.m)];
}

function buildEnv(config: ContainerConfig, user: ResolvedUser): string[] {
  const has = (name: string) => config.env.some((e) => e.startsWith(`${name}=`));
  const env = [...config.env];
  if (!has("PATH")) env.push(`PATH=${defaultPath}`);
  if (!has("HOSTNAME") && config.hostname) env.push(`HOSTNAME=${config.hostname}`);
  if (!has("HOME")) env.push(`HOME=${user.home ?? "/"}`);
  if (config.tty && !has("TERM")) env.push("TERM=xterm");
  return env;
}

function namespaces(config: ContainerConfig): OciNamespace[] {
  return [
    config.pidnsPath ? { type: "pid", path: config.pidnsPath } : { type: "pid" },
    config.ipcnsPath ? { type: "ipc", path: config.ipcnsPath } : { type: "ipc" },
    config.utsnsPath ? { type: "uts", path: config.utsnsPath } : { type: "uts" },
    { type: "mount" },
    config.netnsPath ? { type: "network", path: config.netnsPath } : { type: "network" },
    { type: "cgroup" },
  ];
}

export function buildSpec(config: ContainerConfig, user: ResolvedUser, opts: SpecOptions): OciSpec {
  if (config.args.length === 0) throw new RuntimeError("InvalidConfig", `container ${config.id}: no command (args is empty)`);
  const cwd = config.workingDir || "/";
  if (!path.posix.isAbsolute(cwd)) throw new RuntimeError("InvalidConfig", `container ${config.id}: working directory ${JSON.stringify(cwd)} is not absolute`);
  const privileged = config.privileged === true;
  const caps = [...(privileged ? allCapabilities : defaultCapabilities)];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: config.tty,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args: [...config.args],
      env: buildEnv(config, user),
      cwd,
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: opts.nofile ?? defaultNofile, soft: opts.nofile ?? defaultNofile }],
      noNewPrivileges: !privileged,
    },
    root: { path: "rootfs", readonly: config.readOnlyRootfs === true },
    hostname: config.hostname,
    mounts: buildMounts(config),
    linux: {
      namespaces: namespaces(config),
      cgroupsPath: opts.cgroupsPath,
      resources: { devices: defaultDeviceRules(privileged), ...ociResources(config.resources, { limitSwap: opts.limitSwap }) },
      devices: defaultDevices.map((d) => ({ ...d })),
      maskedPaths: privileged ? [] : [...defaultMaskedPaths],
      readonlyPaths: privileged ? [] : [...defaultReadonlyPaths],
    },
  };
}
