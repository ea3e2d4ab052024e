// The runc command line, for the calls the driver makes directly (conmon makes `runc create`).
// Every call names the runtime's own --root, so several agents (or tests) on one host never
// see each other's containers.

import { execFile } from "node:child_process";

export interface RuncState {
  id: string;
  pid: number;
  /** runc's words: created, running, pausing, paused, stopped. */
  status: string;
  bundle: string;
  created: string;
}

export class RuncError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "RuncError";
  }

  get notFound(): boolean {
    return /does not exist|not found/i.test(this.stderr);
  }
}

/** runc logs `time=… level=error msg="…"`; the msg is what a person wants to read. */
export function runcMessage(stderr: string): string {
  const msgs = [...stderr.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  return (msgs.length ? msgs.join("; ") : stderr).trim();
}

export interface RuncOptions {
  path: string;
  root: string;
  systemdCgroup: boolean;
}

export class Runc {
  constructor(readonly opts: RuncOptions) {}

  /** Global flags that precede every subcommand. */
  globalArgs(): string[] {
    return [`--root=${this.opts.root}`, ...(this.opts.systemdCgroup ? ["--systemd-cgroup"] : [])];
  }

  private run(args: string[], timeoutMs = 60_000): Promise<string> {
    const argv = [...this.globalArgs(), ...args];
    return new Promise((resolve, reject) => {
      execFile(this.opts.path, argv, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new RuncError(`runc ${args.join(" ")}: ${runcMessage(stderr) || err.message}`, stderr));
        else resolve(stdout);
      });
    });
  }

  /** The container's runc state, or undefined when runc does not know it. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await this.run(["state", id])) as RuncState;
    } catch (err) {
      if (err instanceof RuncError && err.notFound) return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const out = (await this.run(["list", "--format", "json"])).trim();
    return (out && out !== "null" ? JSON.parse(out) : []) as RuncState[];
  }

  async start(id: string): Promise<void> {
    await this.run(["start", id]);
  }

  async kill(id: string, signal: string): Promise<void> {
    await this.run(["kill", id, signal]);
  }

  /** Deletes runc's state and cgroup; --force kills a live container first. Absent is fine. */
  async delete(id: string): Promise<void> {
    try {
      await this.run(["delete", "--force", id]);
    } catch (err) {
      if (err instanceof RuncError && err.notFound) return;
      throw err;
    }
  }
}
