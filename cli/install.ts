// `gantry install master|agent [--unit-dir DIR] [-- <daemon flags>]` writes the systemd unit
// (cli/systemd/units.ts) and, where systemd is PID 1, reloads systemd and enables and starts the
// unit. `gantry uninstall master|agent` stops, disables and removes it.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { InvalidArgumentError, type Command } from "commander";
import { renderUnit, ROLES, unitName, type Role } from "./systemd/units";

export const DEFAULT_UNIT_DIR = "/etc/systemd/system";

/** systemd's own test (sd_booted): it runs as PID 1 exactly when this directory exists. */
export function systemdIsPid1(): boolean {
  return existsSync("/run/systemd/system");
}

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`"${value}" is not a role: use master or agent`);
  return value as Role;
}

export function registerInstallCommands(program: Command): void {
  program
    .command("install")
    .description("write the systemd unit gantry-<role>.service; where systemd runs, enable and start it")
    .argument("<role>", "master or agent", role)
    .argument("[daemon-flags...]", "flags for `gantry <role>`, after --")
    .option("--unit-dir <dir>", "where the unit goes", DEFAULT_UNIT_DIR)
    .action(async (r: Role, daemonArgs: string[], opts: { unitDir: string }) => {
      const file = await writeUnit(r, daemonArgs, opts.unitDir);
      console.log(`wrote ${file}`);
      if (!systemdIsPid1()) {
        console.log(`systemd is not running here (no /run/systemd/system): not started; use \`gantry supervise\` instead (see README)`);
        return;
      }
      await systemctl("daemon-reload");
      await systemctl("enable", "--now", unitName(r));
      console.log(`enabled and started ${unitName(r)}`);
    });

  program
    .command("uninstall")
    .description("stop, disable and remove the systemd unit gantry-<role>.service")
    .argument("<role>", "master or agent", role)
    .option("--unit-dir <dir>", "where the unit is", DEFAULT_UNIT_DIR)
    .action(async (r: Role, opts: { unitDir: string }) => {
      console.log(`removed ${await uninstallUnit(r, opts.unitDir)}`);
    });
}

/**
 * Stops and disables gantry-<role>.service where systemd runs, and deletes its file; returns the
 * file's path. Not loaded (never installed, or removed by hand) is fine: the goal is "not there".
 */
export async function uninstallUnit(r: Role, unitDir: string): Promise<string> {
  const file = path.join(unitDir, unitName(r));
  if (systemdIsPid1()) await systemctl("disable", "--now", unitName(r)).catch((err: Error) => console.error(err.message));
  await rm(file, { force: true });
  if (systemdIsPid1()) {
    await systemctl("daemon-reload");
    await systemctl("reset-failed", unitName(r)).catch(() => {});
  }
  return file;
}

/** Writes the unit for `r` atomically; returns its path. */
export async function writeUnit(r: Role, daemonArgs: string[], unitDir: string): Promise<string> {
  const text = renderUnit({ role: r, nodePath: process.execPath, gantryPath: path.join(__dirname, "gantry.js"), daemonArgs });
  await mkdir(unitDir, { recursive: true });
  const file = path.join(unitDir, unitName(r));
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
  return file;
}

async function systemctl(...args: string[]): Promise<void> {
  try {
    await promisify(execFile)("systemctl", args, { timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`systemctl ${args.join(" ")} failed: ${(e.stderr ?? "").trim() || e.message}`);
  }
}
