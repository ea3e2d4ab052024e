// Runs the real kubectl (/usr/bin/kubectl, v1.32) against a test master, with a throwaway
// discovery cache so every test sees what a first-time user sees.

import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  readonly cacheDir = mkdtempSync(path.join(os.tmpdir(), "gantry-kubectl-cache-"));

  constructor(
    readonly kubeconfig: string,
    readonly env: Record<string, string> = {},
  ) {}

  /** Runs kubectl; resolves with its exit code and output (never rejects on a non-zero exit). */
  run(args: string[], options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "kubectl",
        ["--kubeconfig", this.kubeconfig, "--cache-dir", this.cacheDir, ...args],
        { env: { ...process.env, ...this.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err && typeof (err as { code?: unknown }).code !== "number") return reject(err);
          resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
        },
      );
      if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    });
  }

  /** Runs kubectl and fails with its output when it exits non-zero. */
  async ok(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Starts a long-running kubectl (e.g. `get -w`); the caller kills it. */
  spawn(args: string[]) {
    return spawn("kubectl", ["--kubeconfig", this.kubeconfig, "--cache-dir", this.cacheDir, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...this.env } });
  }

  cleanup(): void {
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}
