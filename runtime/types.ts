// What the container runtime is, as the agent sees it. `runtime/runc` implements it with runc
// under conmon; the agent depends only on this file.
//
// Terms:
//  - container id: unique on the node; the agent derives it from pod uid + container name +
//    restart count (so a restarted container is a new id and `previous` logs stay readable).
//  - bundle: an OCI bundle directory (config.json + rootfs mount point) under the runtime's
//    state root, made by `createContainer` from a ContainerConfig and removed by
//    `removeContainer`.
//  - log file: the container's stdout/stderr in the CRI log format
//    (`<RFC3339Nano> <stdout|stderr> <F|P> <text>`), written by conmon, rotated by size.
//
// Worked example, running a container:
//   createContainer(config) -> state "created" (process exists, paused before exec of the
//   entrypoint); startContainer(id) -> "running"; the process exits -> "exited" with exitCode
//   (and oomKilled when the cgroup's memory.events counted an oom_kill);
//   stopContainer(id, 30) -> SIGTERM (or the image's StopSignal), SIGKILL after 30 s;
//   removeContainer(id) -> gone, with its bundle, overlay mount, cgroup and log directory
//   (unless `keepLogs`).
//
// Failure rules: methods throw RuntimeError with a code; an unknown id is NotFound, starting a
// container that is not "created" is FailedPrecondition. Everything is idempotent where that
// makes sense: stopping an exited container and removing a missing one succeed.

export type RuntimeErrorCode = "NotFound" | "AlreadyExists" | "FailedPrecondition" | "InvalidConfig" | "Internal";

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

export interface Mount {
  /** Path inside the container. */
  destination: string;
  /** Host path (bind mounts) or a filesystem name (tmpfs, proc). */
  source: string;
  type: "bind" | "tmpfs" | "proc" | "sysfs" | "devpts" | "mqueue";
  options: string[];
}

export interface ContainerResources {
  /** CPU request in millicores: becomes cpu shares/weight. */
  cpuRequestMillis?: number;
  /** CPU limit in millicores: becomes a CFS quota over a 100 ms period. */
  cpuLimitMillis?: number;
  /** Memory limit in bytes: memory.max; the kernel OOM-kills above it. */
  memoryLimitBytes?: number;
  memoryRequestBytes?: number;
}

export interface ContainerConfig {
  id: string;
  /** Labels the runtime stores with the container and returns from list(); the agent uses them
   *  to adopt containers after a restart (pod uid, namespace, name, container name, attempt). */
  labels: Record<string, string>;
  /** Image layer directories, lowest first (overlayfs lowerdirs; read-only, shared). */
  layers: string[];
  /** argv: entrypoint/cmd already resolved against the pod's command/args. */
  args: string[];
  env: string[];
  workingDir: string;
  /** "uid[:gid]" numeric, or a name resolved from the rootfs /etc/passwd. */
  user?: string;
  hostname: string;
  /** Bind mounts for volumes, /etc/hosts, /etc/resolv.conf, termination log. */
  mounts: Mount[];
  /** The pod's network namespace (shared by its containers); undefined = a new empty one. */
  netnsPath?: string;
  /** The pod's IPC namespace holder, when containers share it. */
  ipcnsPath?: string;
  /** The pod's UTS namespace holder (the hostname is set in it again at every create). */
  utsnsPath?: string;
  /** A PID namespace to join (an ephemeral container's target's); undefined = a new one. */
  pidnsPath?: string;
  resources: ContainerResources;
  /** cgroup parent (systemd slice or cgroupfs path) for the pod. */
  cgroupParent: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce?: boolean;
  readOnlyRootfs?: boolean;
  privileged?: boolean;
  /** Signal that asks the process to stop (image config StopSignal), default SIGTERM. */
  stopSignal?: string;
  /** Log rotation: max bytes per file and files kept. */
  logMaxBytes?: number;
  logMaxFiles?: number;
}

export type ContainerStatusName = "created" | "running" | "exited" | "unknown";

export interface ContainerState {
  id: string;
  labels: Record<string, string>;
  status: ContainerStatusName;
  pid?: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** The kernel killed it for exceeding its memory limit. */
  oomKilled?: boolean;
  /** Path of the current CRI-format log file. */
  logPath: string;
}

export interface ExecOptions {
  args: string[];
  tty: boolean;
  /** With a tty: the terminal's size from the start (default 80x24); resize() changes it later. */
  terminalSize?: { cols: number; rows: number };
  stdin: boolean;
  env?: string[];
  user?: string;
  workingDir?: string;
}

/** A running exec: pipes (no tty) or one pty stream (tty). */
export interface ExecProcess {
  stdin?: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Absent with a tty: stderr is merged into the terminal. */
  stderr?: NodeJS.ReadableStream;
  resize(cols: number, rows: number): void;
  /** Resolves with the exit code (128+signal when killed). */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

export interface ContainerRuntime {
  createContainer(config: ContainerConfig): Promise<ContainerState>;
  startContainer(id: string): Promise<ContainerState>;
  /** SIGTERM (stopSignal), then SIGKILL after graceSeconds; resolves once exited. */
  stopContainer(id: string, graceSeconds: number): Promise<ContainerState>;
  /** Kills the container if it still runs. With keepLogs the log files stay at their
   *  logPath; a later removeContainer(id) without keepLogs (the container being gone) deletes
   *  them. */
  removeContainer(id: string, options?: { keepLogs?: boolean }): Promise<void>;
  state(id: string): Promise<ContainerState>;
  /** Every container this runtime root knows, running or not (used to adopt after restart). */
  list(): Promise<ContainerState[]>;
  /**
   * Calls `listener` with a container's id soon after the container exits (state(id) then says
   * exited), from the moment the returned promise resolves until its function is called. A hint,
   * not a record: an id may come twice, and containers that vanish without exiting (removed
   * behind the runtime's back) send nothing, so callers still list now and then. Optional: a
   * runtime without it is listed often instead.
   */
  watchExits?(listener: (id: string) => void): Promise<() => void>;
  exec(id: string, options: ExecOptions): Promise<ExecProcess>;
  /** Attaches to the main process's stdio (conmon's attach socket). Output starts at the
   *  moment of attaching (earlier output is in the log). kill() detaches and never signals the
   *  container; exited resolves with the container's exit code, or -1 when detached while it
   *  still runs. Whether there is a tty is the container's (ContainerConfig.tty). */
  attach(id: string, options: { stdin: boolean; tty: boolean }): Promise<ExecProcess>;
}
