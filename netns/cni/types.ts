// The CNI 1.0.0 data types Gantry uses (https://github.com/containernetworking/cni, SPEC.md at
// tag spec-v1.0.0): a network configuration list, the per-attachment parameters a runtime passes
// to every plugin, and the Success result. Debian 12's containernetworking-plugins 1.1.1 speak
// spec versions up to 1.0.0, so that is the version Gantry writes.

export const CNI_VERSION = "1.0.0";

/** One entry of a configuration list's `plugins`: `type` names the binary, the rest is its own. */
export interface PluginConfig {
  type: string;
  /** Capability arguments this plugin accepts (e.g. `{ portMappings: true }`), §3. */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A network configuration (§1): the plugins run in order for ADD, in reverse for DEL. */
export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: PluginConfig[];
}

/** The conventional `portMappings` capability argument (CONVENTIONS.md), one per hostPort. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp" | "sctp";
  hostIP?: string;
}

/** What identifies one attachment and is passed to each plugin (§3 "Attachment Parameters"). */
export interface Attachment {
  /** CNI_CONTAINERID. */
  containerId: string;
  /** CNI_NETNS: the namespace file; empty on DEL when the namespace is gone. */
  netns: string;
  /** CNI_IFNAME. */
  ifName: string;
  /** CNI_ARGS as key/value pairs (joined as `K=V;K=V`). */
  args: [string, string][];
  /** Capability arguments, inserted as `runtimeConfig` for plugins that declare them. */
  capabilityArgs: Record<string, unknown>;
}

export interface ResultInterface {
  name: string;
  mac?: string;
  /** The namespace path for interfaces inside the container; absent for host interfaces. */
  sandbox?: string;
}

export interface ResultIp {
  /** CIDR notation: "10.244.1.5/24". */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface ResultRoute {
  dst: string;
  gw?: string;
}

/** The Success result (§5). Plugins may add fields; they are kept as they came. */
export interface CniResult {
  cniVersion: string;
  interfaces?: ResultInterface[];
  ips?: ResultIp[];
  routes?: ResultRoute[];
  dns?: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
  [key: string]: unknown;
}

/** Where plugins live and how to run them. */
export interface PluginRunner {
  /** Directories searched for plugin binaries (CNI_PATH), in order. */
  readonly paths: readonly string[];
  /**
   * Runs `binary` with `env` added to the runtime's environment and `stdin` as its input;
   * resolves with the exit code and outputs (never rejects for a non-zero exit).
   */
  exec(binary: string, env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Pod IPv4/IPv6 addresses (without prefix length) of the container interface in a result. */
export function podIPsOf(result: CniResult, ifName: string): string[] {
  const interfaces = result.interfaces ?? [];
  return (result.ips ?? [])
    .filter((ip) => {
      if (ip.interface === undefined) return true;
      const intf = interfaces[ip.interface];
      return intf !== undefined && intf.name === ifName && !!intf.sandbox;
    })
    .map((ip) => ip.address.split("/")[0]);
}
