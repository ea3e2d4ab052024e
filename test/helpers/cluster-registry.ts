// The test cluster's image registry: a real docker-registry on the master host's address,
// filled with the demo images (test/images/demo.ts) pushed from inside that host.

import type { ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ExecResult, TestHost } from "./netns-hosts";

const DEMO = path.resolve(__dirname, "../images/demo.js");
const REGISTRY_BINARY = "/usr/bin/docker-registry";

interface Proc {
  child: ChildProcess;
  out: string;
}

/** Starts the registry and pushes the demo images; resolves with its process and "<ip>:<port>". */
export async function startClusterRegistry(host: TestHost, base: string, port: number, startProc: (host: TestHost, command: string, args: string[]) => Proc): Promise<{ proc: Proc; address: string }> {
  const address = `${host.address}:${port}`;
  const regDir = path.join(base, "registry");
  await mkdir(path.join(regDir, "storage"), { recursive: true });
  const regConfig = path.join(regDir, "config.yml");
  await writeFile(
    regConfig,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${JSON.stringify(path.join(regDir, "storage"))}`,
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: ${address}`,
      "  secret: gantry-test-registry-secret",
      "",
    ].join("\n"),
  );
  const proc = startProc(host, REGISTRY_BINARY, ["serve", regConfig]);
  let pushed: ExecResult | undefined;
  for (let i = 0; i < 40; i++) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`docker-registry exited:\n${proc.out}`);
    pushed = await host.exec(process.execPath, [DEMO, `http://${address}`], { timeoutMs: 60_000 });
    if (pushed.code === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (pushed?.code !== 0) throw new Error(`pushing the demo images failed:\n${pushed?.stderr}${pushed?.stdout}\nregistry:\n${proc.out}`);
  return { proc, address };
}
