// Every component only the leader runs, in start order. Explicit registration (STYLE.md): each
// module exports a factory; this file is the one place that lists them.

import type { ComponentDeps, LeaderComponent } from "./component";
import { NamespaceController } from "./controllers/namespace";

export function buildLeaderComponents(deps: ComponentDeps): LeaderComponent[] {
  return [
    wrapNamespaceController(deps),
  ];
}

function wrapNamespaceController(deps: ComponentDeps): LeaderComponent {
  let controller: NamespaceController | undefined;
  return {
    name: "namespace-controller",
    async start() {
      controller = new NamespaceController(deps.ctx, (msg, err) => deps.log.warn({ err }, msg));
      await controller.start();
    },
    async stop() {
      await controller?.stop();
      controller = undefined;
    },
  };
}
