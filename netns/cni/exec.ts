// Running one CNI plugin binary (spec §2): parameters in CNI_* environment variables, the
// execution configuration as JSON on stdin, a result (or an Error) as JSON on stdout.

import { spawn } from "node:child_process";
import { constants, promises as fs } from "node:fs";
import * as path from "node:path";
import { CniError, CniErrorCode, pluginFailure } from "./errors";
import type { Attachment, PluginRunner } from "./types";

/** Debian's containernetworking-plugins install here. */
export const DEFAULT_CNI_PATH = ["/usr/lib/cni"];
const PLUGIN_TIMEOUT_MS = 60_000;

/** A runner that executes plugins as children of this process, so in its network namespace. */
export function localRunner(paths: readonly string[] = DEFAULT_CNI_PATH, wrap: readonly string[] = []): PluginRunner {
  return {
    paths,
    exec(binary, env, stdin) {
      const argv = [...wrap, binary];
      return new Promise((resolve) => {
        const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"], timeout: PLUGIN_TIMEOUT_MS });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.stdin.on("error", () => undefined);
        child.once("error", (e) => resolve({ code: null, stdout: "", stderr: e.message }));
        child.once("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
        child.stdin.end(stdin);
      });
    },
  };
}

/** The plugin binary for `type` in the first directory that has it (§3 step 1). */
export async function findPlugin(runner: PluginRunner, type: string, command: string, network: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(type)) {
    throw new CniError(command, network, type, CniErrorCode.InvalidNetworkConfig, `plugin type ${JSON.stringify(type)} is not a file name`);
  }
  for (const dir of runner.paths) {
    const candidate = path.join(dir, type);
    if (await fs.access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new CniError(command, network, type, 0, `plugin binary ${JSON.stringify(type)} not found in CNI_PATH ${runner.paths.join(":")}`);
}

export function cniArgs(args: readonly [string, string][]): string {
  return args.map(([k, v]) => `${k}=${v}`).join(";");
}

/** Runs `command` of the plugin with `config` on stdin; resolves with its stdout JSON (or null when empty). */
export async function execPlugin(runner: PluginRunner, command: "ADD" | "DEL" | "CHECK", network: string, config: Record<string, unknown>, attachment: Attachment): Promise<unknown> {
  const type = String(config.type);
  const binary = await findPlugin(runner, type, command, network);
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: attachment.containerId,
    CNI_NETNS: attachment.netns,
    CNI_IFNAME: attachment.ifName,
    CNI_ARGS: cniArgs(attachment.args),
    CNI_PATH: runner.paths.join(":"),
  };
  const r = await runner.exec(binary, env, JSON.stringify(config));
  if (r.code !== 0) throw pluginFailure(command, network, type, r.code, r.stdout, r.stderr);
  const out = r.stdout.trim();
  if (!out) return null;
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new CniError(command, network, type, CniErrorCode.DecodingFailure, `plugin succeeded but printed no JSON result: ${JSON.stringify(out.slice(0, 500))}`);
  }
}
