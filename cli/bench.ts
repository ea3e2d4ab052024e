// `gantry bench scheduler|api|runtime|network|failover|all`: the project's benchmarks, the same
// code `make bench` runs (bench/registry.ts). Each writes bench/results/<name>.json and an SVG
// chart; a progress line shows while they run and a table of the headline numbers, each next to
// the reference measured in the same run, is printed at the end.

import { type Command, InvalidArgumentError, Option } from "commander";
import { BENCHMARKS, runBenchmarks } from "../bench/registry";
import { formatTable } from "../bench/summary";
import type { SchedulerMode } from "../bench/scheduler-cluster";

const MODES: SchedulerMode[] = ["master", "in-process"];

function modes(value: string): SchedulerMode[] {
  const out = value.split(",").map((m) => m.trim());
  for (const m of out) if (!MODES.includes(m as SchedulerMode)) throw new InvalidArgumentError(`mode must be one of ${MODES.join(", ")}, not ${m}`);
  return out as SchedulerMode[];
}

export function registerBenchCommand(program: Command): void {
  const names = [...Object.keys(BENCHMARKS), "all"];
  program
    .command("bench")
    .description("Run benchmarks; results in bench/results/<name>.json and .svg")
    .addArgument(program.createArgument("[benchmark...]", `which: ${names.join(", ")}`).default(["all"]).choices(names))
    .addOption(new Option("--size <size>", "scheduler workload size: small, medium, large, or a workload name such as 5000Nodes_10000Pods").default("large"))
    .option("--test-case <names>", "scheduler test cases, comma-separated (default: every one in bench/scheduler-workloads.yaml)", (v: string) => v.split(",").map((s) => s.trim()))
    .option("--mode <modes>", "where the scheduler runs: master (a real gantry master, default), in-process, or both comma-separated", modes)
    .action(async (which: string[], o: { size: string; testCase?: string[]; mode?: SchedulerMode[] }) => {
      const run = await runBenchmarks(which, { size: o.size, testCases: o.testCase, modes: o.mode });
      if (run.rows.length > 0) process.stdout.write(`\n${formatTable(run.rows)}`);
      for (const f of run.written) process.stdout.write(`wrote ${f}\n`);
      for (const f of run.failed) process.stderr.write(`bench ${f.name} failed: ${f.error}\n`);
      if (run.failed.length > 0) process.exitCode = 1;
    });
}
