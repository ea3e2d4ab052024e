// Runs one agent as its own process for tests that must kill it (kill -9 and restart):
//   node dist/agent/testing/agent-main.js '<AgentOptions as JSON>'
// Prints {"port": N} once serving; SIGTERM stops it (containers keep running).

import pino from "pino";
import { runAgent, type AgentOptions } from "../agent";

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? "{}") as AgentOptions;
  const logger = pino({ name: "gantry-agent", level: process.env.GANTRY_LOG_LEVEL ?? "warn" }, pino.destination(2));
  const agent = await runAgent({ ...opts, logger });
  process.stdout.write(`${JSON.stringify({ port: agent.port, instanceId: agent.instanceId })}\n`);
  process.on("SIGTERM", () => {
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err) => {
  process.stderr.write(`agent failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
