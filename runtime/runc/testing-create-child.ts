// Fixture for survive.test.ts: a separate process that creates and starts one container, says
// so on stdout, and then idles until it is killed. argv[2] is JSON { root, runcRoot, config }.

import type { ContainerConfig } from "../types";
import { RuncRuntime } from "./runtime";

async function main(): Promise<void> {
  const { root, runcRoot, config } = JSON.parse(process.argv[2] ?? "{}") as { root: string; runcRoot: string; config: ContainerConfig };
  const rt = new RuncRuntime({ root, runcRoot, logRotationIntervalMs: 0 });
  await rt.createContainer(config);
  const st = await rt.startContainer(config.id);
  process.stdout.write(`started ${st.pid}\n`);
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
