#!/usr/bin/env node
// The `gantry` command. Each subcommand lives in its own file and registers itself here
// (explicit registration, STYLE.md); flags follow DESIGN.md §9.

import { Command } from "commander";
import { registerAgentCommand } from "./agent";
import { registerBenchCommand } from "./bench";
import { registerCertsCommand } from "./certs";
import { registerInitCommand } from "./init";
import { registerJoinCommand } from "./join";
import { registerKubeconfigCommand } from "./kubeconfig";
import { registerMasterCommand } from "./master";
import { registerResetCommand } from "./reset";
import { registerSecretsCommand } from "./secrets";
import { registerTokenCommand } from "./token";
import { registerInstallCommands } from "./install";
import { registerSuperviseCommand } from "./supervise";

const program = new Command("gantry").description("A Kubernetes-compatible container orchestrator");

registerMasterCommand(program);
registerAgentCommand(program);
registerInitCommand(program);
registerJoinCommand(program);
registerTokenCommand(program);
registerCertsCommand(program);
registerKubeconfigCommand(program);
registerResetCommand(program);
registerSecretsCommand(program);

registerInstallCommands(program);
registerSuperviseCommand(program);
registerBenchCommand(program);

program.parseAsync(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
