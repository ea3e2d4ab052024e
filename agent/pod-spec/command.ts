// argv of a container, as Kubernetes defines it against the image config:
//
//   command  args   argv
//   -        -      Entrypoint + Cmd
//   set      -      command              (the image's Cmd is dropped too)
//   -        set    Entrypoint + args
//   set      set    command + args
//
// $(VAR) in command and args expands against the container's env variables.

import type { Container } from "kubernetes-types/core/v1";
import type { ImageConfig } from "../../runtime/image/types";
import { ConfigError } from "./errors";
import { expand } from "./expand";

export function resolveArgv(container: Container, image: ImageConfig["config"] | undefined, vars: Map<string, string>): string[] {
  const x = (s: string) => expand(s, (n) => vars.get(n));
  const command = container.command?.length ? container.command.map(x) : undefined;
  const args = container.args?.length ? container.args.map(x) : undefined;
  const entrypoint = image?.Entrypoint ?? [];
  const cmd = image?.Cmd ?? [];
  let argv: string[];
  if (command) argv = [...command, ...(args ?? [])];
  else argv = [...entrypoint, ...(args ?? cmd)];
  if (argv.length === 0) {
    throw new ConfigError("CreateContainerError", `no command specified for container ${container.name}: the image has no Entrypoint or Cmd and the pod sets no command`);
  }
  return argv;
}
