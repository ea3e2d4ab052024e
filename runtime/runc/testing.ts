// Test helpers for the runc driver: a one-layer busybox root filesystem and a RuncRuntime over
// throw-away directories, with a cleanup that removes every container, mount, cgroup and file
// the test made — also after a failure.

import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { mountsUnder, readMountInfo } from "../rootfs/mountinfo";
import type { ContainerConfig } from "../types";
import { removeCgroup } from "./cgroups";
import { RuncRuntime, type RuncRuntimeOptions } from "./runtime";

export const busyboxPath = "/bin/busybox";
export const applets = ["sh", "echo", "cat", "sleep", "ls", "id", "hostname", "true", "false"];

/** Builds a layer directory: busybox + applet symlinks, passwd/group with root and nobody,
 *  and the empty mount-point directories a container needs. */
export async function makeBusyboxLayer(dir: string): Promise<string> {
  for (const d of ["bin", "etc", "proc", "dev", "sys", "tmp", "root"]) await fs.mkdir(path.join(dir, d), { recursive: true });
  await fs.chmod(path.join(dir, "tmp"), 0o1777);
  await fs.copyFile(busyboxPath, path.join(dir, "bin/busybox"));
  await fs.chmod(path.join(dir, "bin/busybox"), 0o755);
  for (const a of applets) await fs.symlink("busybox", path.join(dir, "bin", a));
  await fs.writeFile(path.join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  await fs.writeFile(path.join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  return dir;
}

export function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve({ stdout, stderr })));
  });
}

export interface TestRuntime {
  rt: RuncRuntime;
  base: string;
  root: string;
  runcRoot: string;
  layer: string;
  cgroupParent: string;
  /** A config for a busybox container; `args` run under /bin/sh -c when given a string. */
  config(id: string, over?: Partial<ContainerConfig> & { sh?: string }): ContainerConfig;
  cleanup(): Promise<void>;
}

interface AfterHook {
  after(fn: () => Promise<void>): void;
}

export async function testRuntime(t: AfterHook, extra: Partial<RuncRuntimeOptions> = {}): Promise<TestRuntime> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-rt-"));
  const root = path.join(base, "root");
  const runcRoot = path.join(base, "runc");
  const layer = await makeBusyboxLayer(path.join(base, "layer"));
  const cgroupParent = `/gantry-test-${randomBytes(4).toString("hex")}`;
  const rt = new RuncRuntime({ root, runcRoot, logRotationIntervalMs: 0, ...extra });

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    rt.close();
    const problems: string[] = [];
    try {
      for (const c of await rt.list()) await rt.removeContainer(c.id).catch((e: Error) => problems.push(e.message));
    } catch (e) {
      problems.push((e as Error).message);
    }
    // Anything runc still knows (a create that failed half way) goes too.
    try {
      const out = (await run("/usr/sbin/runc", [`--root=${runcRoot}`, "list", "-q"])).stdout.split("\n").filter(Boolean);
      for (const id of out) await run("/usr/sbin/runc", [`--root=${runcRoot}`, "delete", "--force", id]).catch(() => undefined);
    } catch {
      // no runc root yet
    }
    for (const m of mountsUnder(await readMountInfo(), base)) await run("umount", ["-l", m.mountPoint]).catch(() => undefined);
    await removeCgroup(cgroupParent).catch((e: Error) => problems.push(e.message));
    await fs.rm(base, { recursive: true, force: true });
    if (problems.length) throw new Error(`test cleanup: ${problems.join("; ")}`);
  };
  t.after(cleanup);

  const config = (id: string, over: Partial<ContainerConfig> & { sh?: string } = {}): ContainerConfig => {
    const { sh, ...rest } = over;
    return {
      id,
      labels: { test: "yes" },
      layers: [layer],
      args: sh !== undefined ? ["/bin/sh", "-c", sh] : ["/bin/true"],
      env: [],
      workingDir: "/",
      hostname: id.slice(0, 63),
      mounts: [],
      resources: {},
      cgroupParent,
      tty: false,
      stdin: false,
      ...rest,
    };
  };
  return { rt, base, root, runcRoot, layer, cgroupParent, config, cleanup };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, what: string | (() => string) = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Everything a readable stream produces until it ends. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString();
}

/** A runc that logs its arguments; `remove` after the runtime's own cleanup (which runs runc). */
export async function loggingRunc(): Promise<{ path: string; calls(): Promise<string[]>; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-runc-log-"));
  const log = path.join(dir, "calls");
  const wrapper = path.join(dir, "runc");
  await fs.writeFile(wrapper, `#!/bin/sh\necho "$*" >> ${log}\nexec /usr/sbin/runc "$@"\n`, { mode: 0o755 });
  return { path: wrapper, remove: () => fs.rm(dir, { recursive: true, force: true }), calls: async () => (await fs.readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean) };
}

/** The runc calls that only ask for state (`state`, `list`): what a relist spawns. */
export function runcQueries(calls: string[]): string[] {
  return calls.filter((c) => / (state|list)( |$)/.test(c));
}
