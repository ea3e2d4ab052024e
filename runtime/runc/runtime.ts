// ContainerRuntime implemented with runc under conmon. The runtime object holds no container
// state in memory: everything lives on disk (layout.ts) and in runc's root, so a restarted
// agent builds a new RuncRuntime over the same directories and list() finds every container,
// running ones included (their conmon monitors never depended on the agent process).
//
// Life of a container:
//   create: mkdir <root>/containers/<id> (the AlreadyExists check), meta.json, overlay mount,
//           user resolved from the rootfs, config.json, conmon → runc create → "created"
//   start:  init released through runc's exec FIFO (exec-fifo.ts; `runc start` when there is
//           none) → "running"; startedAt recorded
//   stop:   runc kill <stopSignal>, wait for conmon's exit file up to the grace period, then
//           runc kill KILL and wait again
//   remove: runc delete --force, wait for conmon to finish, cgroup leftovers, umount, rm -r
//           (logs too unless keepLogs)

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { buildSpec, cgroupsPathFor, type CgroupManager } from "../oci/spec";
import { resolveUser, type ResolvedUser } from "../oci/user";
import { mountsUnder, readMountInfo } from "../rootfs/mountinfo";
import { mountOverlay, unmountOverlay } from "../rootfs/overlay";
import { readFileInRoot } from "../rootfs/read-in-root";
import { RuntimeError, type ContainerConfig, type ContainerRuntime, type ContainerState, type ExecOptions, type ExecProcess } from "../types";
import { attachToConmon } from "./attach";
import { oomKillCount, removeCgroup, swapLimitWanted } from "./cgroups";
import { launchConmon, monitorPid, readPidFile, waitMonitorGone } from "./conmon";
import { deriveState } from "./container-state";
import { execWithPipes, execWithTty } from "./exec";
import { startThroughExecFifo } from "./exec-fifo";
import { fileExists, readExitFile, waitForExitFile } from "./exit-status";
import { ExitWatcher, type ExitListener } from "./exit-watcher";
import { KeyLock } from "./key-lock";
import { containerPaths, containersDir, isValidId, socketDir, type ContainerPaths } from "./layout";
import { rotateIfNeeded } from "./log-rotation";
import { readMeta, writeMeta, type ContainerMeta } from "./metadata";
import { Runc, RuncError, type RuncState } from "./runc-cli";
import { containerNofile } from "./rlimits";

export interface RuncRuntimeOptions {
  /** Containers, logs and sockets live here (e.g. /var/lib/gantry/runtime). */
  root: string;
  /** runc's --root; best on tmpfs (e.g. /run/gantry/runc) so it does not outlive a reboot. */
  runcRoot: string;
  runcPath?: string;
  conmonPath?: string;
  perlPath?: string;
  cgroupManager?: CgroupManager;
  /** How long conmon + runc create may take (default 120 s). */
  createTimeoutMs?: number;
  /** How often to check logs for rotation; 0 disables the timer (call rotateLogs()). Default 10 s. */
  logRotationIntervalMs?: number;
  /** Rotation defaults for configs that set none (the kubelet's: 10 MiB, 5 files). */
  defaultLogMaxBytes?: number;
  defaultLogMaxFiles?: number;
}

const signalPattern = /^(SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/;

function toRuntimeError(err: unknown, context: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  return new RuntimeError("Internal", `${context}: ${err instanceof Error ? err.message : String(err)}`);
}

/** What runc reports right after one of our calls succeeded, so that we need not spawn it to ask. */
function assumedRuncState(id: string, p: ContainerPaths, pid: number, status: "created" | "running"): RuncState {
  return { id, pid, status, bundle: p.bundle, created: "" };
}

function isCode(err: unknown, code: string): boolean {
  return (err as { code?: string }).code === code;
}

export class RuncRuntime implements ContainerRuntime {
  private readonly runc: Runc;
  private readonly lock = new KeyLock();
  /**
   * Containers this process is creating or removing right now. runc knows a container only
   * from the moment `runc create` (run by conmon, at the end of createContainer) saves its
   * state, and forgets it at `runc delete` (at the start of a removal), while the directory and
   * meta.json exist before and after. In those windows "runc does not know the id" means "in
   * transition", not "lost": a create in flight is reported as created, a removal in flight as
   * gone. Only this process's own operations can be known this way; a directory runc does not
   * know and nobody is working on is what "unknown" is for.
   */
  private readonly inFlight = new Map<string, "create" | "remove">();
  private readonly opts: Required<Omit<RuncRuntimeOptions, "cgroupManager">> & { cgroupManager: CgroupManager };
  private ready?: Promise<{ limitSwap: boolean; nofile: number }>;
  private rotationTimer?: NodeJS.Timeout;
  private readonly exits: ExitWatcher;
  /** Log rotation limits and paths by container id (rotateLogs). */
  private readonly logLimits = new Map<string, { maxBytes: number; maxFiles: number; paths: ContainerPaths }>();

  constructor(options: RuncRuntimeOptions) {
    for (const [name, dir] of [["root", options.root], ["runcRoot", options.runcRoot]] as const) {
      // conmon splits --log-path at ':' (driver:path), so the state root must not contain one.
      if (!path.isAbsolute(dir) || dir.includes(":")) throw new RuntimeError("InvalidConfig", `runtime ${name} ${JSON.stringify(dir)} must be an absolute path without ':'`);
    }
    this.opts = {
      runcPath: "/usr/sbin/runc",
      conmonPath: "/usr/bin/conmon",
      perlPath: "/usr/bin/perl",
      cgroupManager: "cgroupfs",
      createTimeoutMs: 120_000,
      logRotationIntervalMs: 10_000,
      defaultLogMaxBytes: 10 << 20,
      defaultLogMaxFiles: 5,
      ...options,
    };
    this.exits = new ExitWatcher(this.opts.root);
    this.runc = new Runc({ path: this.opts.runcPath, root: this.opts.runcRoot, systemdCgroup: this.opts.cgroupManager === "systemd" });
    if (this.opts.logRotationIntervalMs > 0) {
      this.rotationTimer = setInterval(() => void this.rotateLogs().catch(() => undefined), this.opts.logRotationIntervalMs);
      this.rotationTimer.unref();
    }
  }

  /** Stops the rotation timer and the exit watches. Containers are unaffected. */
  close(): void {
    clearInterval(this.rotationTimer);
    this.exits.close();
  }

  /** Exits as events (exit-watcher.ts): inotify on conmon's exit dirs, no runc call. */
  async watchExits(listener: ExitListener): Promise<() => void> {
    await this.init();
    return this.exits.subscribe(listener);
  }

  private init(): Promise<{ limitSwap: boolean; nofile: number }> {
    this.ready ??= (async () => {
      for (const dir of [containersDir(this.opts.root), path.join(this.opts.root, "logs"), socketDir(this.opts.root), this.opts.runcRoot]) {
        await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      }
      return { limitSwap: await swapLimitWanted(), nofile: await containerNofile() };
    })();
    return this.ready;
  }

  private paths(id: string): ContainerPaths {
    if (!isValidId(id)) throw new RuntimeError("InvalidConfig", `invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '.', '+', '-' (max 255)`);
    return containerPaths(this.opts.root, id);
  }

  async createContainer(config: ContainerConfig): Promise<ContainerState> {
    const p = this.paths(config.id);
    const { limitSwap, nofile } = await this.init();
    return this.lock.run(config.id, async () => {
      try {
        await fs.mkdir(p.dir);
      } catch (err) {
        if (isCode(err, "EEXIST")) throw new RuntimeError("AlreadyExists", `container ${config.id} already exists`);
        throw toRuntimeError(err, `create container ${config.id}`);
      }
      this.inFlight.set(config.id, "create");
      try {
        return await this.createIn(config, p, limitSwap, nofile);
      } finally {
        this.inFlight.delete(config.id);
      }
    });
  }

  /** The rest of createContainer, once the directory is ours; a failure undoes it all. */
  private async createIn(config: ContainerConfig, p: ContainerPaths, limitSwap: boolean, nofile: number): Promise<ContainerState> {
    let meta: ContainerMeta;
    let pid: number;
    try {
      const stopSignal = config.stopSignal ?? "SIGTERM";
      if (!signalPattern.test(stopSignal)) throw new RuntimeError("InvalidConfig", `container ${config.id}: invalid stop signal ${JSON.stringify(stopSignal)}`);
      for (const layer of config.layers) {
        if (!path.isAbsolute(layer) || !(await fs.stat(layer).then((s) => s.isDirectory(), () => false))) {
          throw new RuntimeError("InvalidConfig", `container ${config.id}: layer ${JSON.stringify(layer)} is not a directory`);
        }
      }
      const cgroupsPath = cgroupsPathFor(config.cgroupParent, config.id, this.opts.cgroupManager);
      meta = {
        id: config.id,
        labels: { ...config.labels },
        createdAt: new Date().toISOString(),
        cgroupsPath,
        logPath: p.logPath,
        stopSignal,
        tty: config.tty,
        stdin: config.stdin,
        stdinOnce: config.stdinOnce === true,
        ...(config.logMaxBytes !== undefined ? { logMaxBytes: config.logMaxBytes } : {}),
        ...(config.logMaxFiles !== undefined ? { logMaxFiles: config.logMaxFiles } : {}),
      };
      await writeMeta(p.meta, meta);
      for (const dir of [p.bundle, p.exitDir, p.persistDir, p.logDir]) await fs.mkdir(dir, { recursive: true });
      // Watched before conmon runs, so not even an instant exit goes unseen.
      this.exits.track(config.id);
      await mountOverlay(config.layers, { scratch: p.overlay, target: p.rootfs });
      const user = await this.userIn(p.rootfs, config.user);
      const spec = buildSpec(config, user, { cgroupsPath, limitSwap, nofile });
      await fs.writeFile(p.config, JSON.stringify(spec, null, 1));
      ({ pid } = await launchConmon(
        {
          conmonPath: this.opts.conmonPath,
          runcPath: this.opts.runcPath,
          runcRoot: this.opts.runcRoot,
          systemdCgroup: this.opts.cgroupManager === "systemd",
          id: config.id,
          paths: p,
          socketDir: socketDir(this.opts.root),
          tty: config.tty,
          stdin: config.stdin,
          stdinOnce: config.stdinOnce === true,
        },
        this.opts.createTimeoutMs,
      ));
    } catch (err) {
      this.inFlight.set(config.id, "remove");
      await this.destroy(config.id, p, false).catch(() => undefined);
      throw toRuntimeError(err, `create container ${config.id}`);
    }
    // conmon reported `runc create` done with this init pid: created, no need to ask runc.
    return this.load(config.id, p, meta, assumedRuncState(config.id, p, pid, "created"));
  }

  private async userIn(rootfs: string, user: string | undefined): Promise<ResolvedUser> {
    const [passwd, group] = await Promise.all([readFileInRoot(rootfs, "/etc/passwd"), readFileInRoot(rootfs, "/etc/group")]);
    return resolveUser(user, passwd ?? "", group ?? "");
  }

  async startContainer(id: string): Promise<ContainerState> {
    const p = this.paths(id);
    return this.lock.run(id, async () => {
      const meta = await readMeta(p.meta, id);
      const notCreated = (st: ContainerState) => new RuntimeError("FailedPrecondition", `container ${id} is ${st.status}, not created; it cannot be started`);
      // `runc start` refuses anything but a created container itself, so runc's view is asked
      // for only when it does (every runc call is a process spawn, and those are most of what
      // starting a batch of pods costs the agent).
      if (await fileExists(p.exitFile)) throw notCreated(await this.load(id, p, meta));
      // Taken before `runc start`: a process that exits at once must not seem to end before it began.
      const startedAt = new Date().toISOString();
      const pid = await readPidFile(p.containerPid);
      try {
        const released = pid !== undefined && (await startThroughExecFifo(this.opts.runcRoot, id, pid));
        if (!released) await this.runc.start(id);
      } catch (err) {
        const st = await this.load(id, p, meta).catch(() => undefined);
        if (st && st.status !== "created") throw notCreated(st);
        throw toRuntimeError(err, `start container ${id}`);
      }
      const updated = { ...meta, startedAt };
      await writeMeta(p.meta, updated);
      // Running, unless the exit file already says otherwise; an exit that has not reached the
      // exit file yet shows in the next state() or list().
      return this.load(id, p, updated, pid !== undefined ? assumedRuncState(id, p, pid, "running") : undefined);
    });
  }

  async stopContainer(id: string, graceSeconds: number): Promise<ContainerState> {
    const p = this.paths(id);
    return this.lock.run(id, async () => {
      const meta = await readMeta(p.meta, id);
      const st = await this.load(id, p, meta);
      if (st.status !== "running" && st.status !== "created") return st;
      // A created container has not run the entrypoint yet, so it has no handler for a polite
      // signal; and a zero grace period means "now".
      if (st.status === "running" && graceSeconds > 0) {
        await this.kill(id, meta.stopSignal);
        if (await waitForExitFile(p.exitFile, graceSeconds * 1000)) return this.load(id, p, meta);
      }
      await this.kill(id, "KILL");
      // SIGKILL takes effect at once; the wait covers conmon draining output and writing the file.
      if (!(await waitForExitFile(p.exitFile, 10_000)) && (await monitorPid(p.conmonPid)) !== undefined) {
        throw new RuntimeError("Internal", `stop container ${id}: still no exit status 10 s after SIGKILL`);
      }
      return this.load(id, p, meta);
    });
  }

  private async kill(id: string, signal: string): Promise<void> {
    try {
      await this.runc.kill(id, signal);
    } catch (err) {
      // "container not running": it ended between our look and the kill, which is the goal.
      if (err instanceof RuncError && /not running|does not exist|no such process/i.test(err.stderr)) return;
      throw toRuntimeError(err, `kill container ${id} with ${signal}`);
    }
  }

  async removeContainer(id: string, options: { keepLogs?: boolean } = {}): Promise<void> {
    const p = this.paths(id);
    await this.lock.run(id, async () => {
      this.inFlight.set(id, "remove");
      try {
        await this.destroy(id, p, options.keepLogs === true);
      } catch (err) {
        throw toRuntimeError(err, `remove container ${id}`);
      } finally {
        this.inFlight.delete(id);
      }
    });
  }

  /** Tears down whatever exists of a container; every step tolerates its part being absent,
   *  so this also finishes a removal or a failed create that was interrupted half way. */
  private async destroy(id: string, p: ContainerPaths, keepLogs: boolean): Promise<void> {
    this.exits.untrack(id);
    if (await fileExists(p.dir)) {
      const meta = await readMeta(p.meta, id).catch(() => undefined);
      await this.runc.delete(id);
      // conmon sees the container gone, writes the exit file and exits; it must be gone before
      // its directories are removed from under it.
      await waitMonitorGone(p.conmonPid, 5000);
      if (meta) await removeCgroup(meta.cgroupsPath);
      await unmountOverlay({ scratch: p.overlay, target: p.rootfs });
      await fs.rm(p.socketLink, { force: true });
      // Never recurse into a mounted filesystem: that would delete its contents.
      const mounted = mountsUnder(await readMountInfo(), p.dir);
      if (mounted.length > 0) throw new Error(`still mounted under ${p.dir}: ${mounted.map((m) => m.mountPoint).join(", ")}`);
      await fs.rm(p.dir, { recursive: true, force: true });
    }
    if (!keepLogs) await fs.rm(p.logDir, { recursive: true, force: true });
  }

  async state(id: string): Promise<ContainerState> {
    const p = this.paths(id);
    try {
      return await this.load(id, p);
    } catch (err) {
      throw toRuntimeError(err, `state of container ${id}`);
    }
  }

  async list(): Promise<ContainerState[]> {
    await this.init();
    const ids = (await fs.readdir(containersDir(this.opts.root))).filter(isValidId);
    const known = new Map((await this.runc.list()).map((s) => [s.id, s]));
    const out: ContainerState[] = [];
    for (const id of ids) {
      try {
        // Not in runc's list (made since, or gone): load() asks runc about that one id, unless
        // this process is creating it right now (then it is created, whatever runc says).
        const creating = !known.has(id) && this.inFlight.get(id) === "create";
        const rs = known.get(id) ?? (creating ? null : undefined);
        out.push(await this.load(id, containerPaths(this.opts.root, id), undefined, rs, creating));
      } catch (err) {
        if (err instanceof RuntimeError && err.code === "NotFound") continue; // removed meanwhile
        throw toRuntimeError(err, `list containers (at ${id})`);
      }
    }
    return out;
  }

  /** Reads the witnesses and derives the state (container-state.ts). */
  /**
   * `wasCreating`: the caller saw this process creating the container when it took `runcState`;
   * if the create finishes while this reads, the container is still created, never unknown.
   */
  private async load(id: string, p: ContainerPaths, meta?: ContainerMeta, runcState?: RuncState | null, wasCreating = false): Promise<ContainerState> {
    const m = meta ?? (await readMeta(p.meta, id));
    let exit = await readExitFile(p.exitFile);
    let rs: RuncState | null = null;
    if (!exit) {
      rs = runcState !== undefined ? runcState : ((await this.runc.state(id)) ?? null);
      if (rs?.status === "stopped") {
        // The exit file may have appeared while runc answered. Look at conmon first: it writes
        // the file before it exits, so if it is gone the file is there now or never will be;
        // if it is alive it is draining the output, which takes moments.
        const monitorAlive = (await monitorPid(p.conmonPid)) !== undefined;
        exit = monitorAlive ? await waitForExitFile(p.exitFile, 2000) : await readExitFile(p.exitFile);
      }
    }
    const op = !exit && rs === null ? (this.inFlight.get(id) ?? (wasCreating ? "create" : undefined)) : undefined;
    if (op === "remove") throw new RuntimeError("NotFound", `container ${id} is being removed`);
    const stopped = exit !== undefined || rs?.status === "stopped";
    const oomKilled = stopped && ((await fileExists(p.oomFile)) || ((await oomKillCount(m.cgroupsPath)) ?? 0) > 0);
    const state = deriveState({ meta: m, exit, runc: rs, creating: op === "create", oomKilled, now: new Date() });
    if (state.status === "exited" && !exit && !m.finishedAt && state.finishedAt) {
      // The exit status is lost; pin the time we noticed so it does not move on every call.
      await writeMeta(p.meta, { ...m, finishedAt: state.finishedAt }).catch(() => undefined);
    }
    return state;
  }

  async exec(id: string, options: ExecOptions): Promise<ExecProcess> {
    const p = this.paths(id);
    const st = await this.state(id);
    if (st.status !== "running") throw new RuntimeError("FailedPrecondition", `container ${id} is ${st.status}; exec needs a running container`);
    if (options.args.length === 0) throw new RuntimeError("InvalidConfig", `exec in ${id}: no command`);
    const user = options.user !== undefined ? await this.userIn(p.rootfs, options.user) : undefined;
    const req = {
      runcPath: this.opts.runcPath,
      globalArgs: this.runc.globalArgs(),
      id,
      args: options.args,
      tty: options.tty,
      stdin: options.stdin,
      env: options.env ?? [],
      ...(user ? { user } : {}),
      ...(options.workingDir ? { cwd: options.workingDir } : {}),
      pidFile: path.join(p.dir, `exec-${randomBytes(6).toString("hex")}.pid`),
      ...(options.terminalSize ? { cols: options.terminalSize.cols, rows: options.terminalSize.rows } : {}),
    };
    return options.tty ? execWithTty(req) : execWithPipes(req);
  }

  async attach(id: string, options: { stdin: boolean; tty: boolean }): Promise<ExecProcess> {
    const p = this.paths(id);
    const meta = await readMeta(p.meta, id);
    const st = await this.load(id, p, meta);
    if (st.status !== "running") throw new RuntimeError("FailedPrecondition", `container ${id} is ${st.status}; attach needs a running container`);
    try {
      return await attachToConmon({
        bundle: p.bundle,
        // The container has a terminal or not; what the caller asked cannot change that.
        tty: meta.tty,
        stdin: options.stdin && meta.stdin,
        perlPath: this.opts.perlPath,
        exitCode: async () => (await readExitFile(p.exitFile))?.exitCode,
      });
    } catch (err) {
      throw toRuntimeError(err, `attach to container ${id}`);
    }
  }

  /**
   * Rotates every live container's log that has reached its size limit (log-rotation.ts). Runs
   * every 10 s for every container, so the common case costs one stat: the limits (fixed at
   * create) and paths are remembered per id, and whether conmon still runs is asked only of a
   * full log.
   */
  async rotateLogs(): Promise<void> {
    await this.init();
    const ids = (await fs.readdir(containersDir(this.opts.root))).filter(isValidId);
    const present = new Set(ids);
    for (const id of this.logLimits.keys()) if (!present.has(id)) this.logLimits.delete(id);
    for (const id of ids) {
      let known = this.logLimits.get(id);
      if (!known) {
        const p = containerPaths(this.opts.root, id);
        const meta = await readMeta(p.meta, id).catch(() => undefined);
        if (!meta) continue;
        known = { maxBytes: meta.logMaxBytes ?? this.opts.defaultLogMaxBytes, maxFiles: meta.logMaxFiles ?? this.opts.defaultLogMaxFiles, paths: p };
        this.logLimits.set(id, known);
      }
      const { maxBytes, maxFiles, paths } = known;
      const size = await fs.stat(paths.logPath).then((st) => st.size, () => 0);
      if (size < maxBytes || (await monitorPid(paths.conmonPid)) === undefined) continue;
      await rotateIfNeeded({ logPath: paths.logPath, ctlFifo: paths.ctlFifo, maxBytes, maxFiles });
    }
  }
}
