// The part of the OCI runtime-spec (config.json, v1.0.2) that Gantry writes. Field names are
// the spec's own, so a value of these types serialises straight to what runc reads.

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: {
    bounding: string[];
    effective: string[];
    permitted: string[];
  };
  rlimits: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciNamespace {
  type: "pid" | "ipc" | "uts" | "mount" | "network" | "cgroup" | "user";
  path?: string;
}

export interface OciDevice {
  path: string;
  type: "c" | "b" | "u" | "p";
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: "a" | "c" | "b";
  major?: number;
  minor?: number;
  access: string;
}

export interface OciResources {
  devices: OciDeviceRule[];
  cpu?: { shares?: number; quota?: number; period?: number };
  memory?: { limit?: number; swap?: number };
}

export interface OciLinux {
  namespaces: OciNamespace[];
  cgroupsPath: string;
  resources: OciResources;
  devices: OciDevice[];
  maskedPaths: string[];
  readonlyPaths: string[];
}
