// A ContainerRuntime that times every call for kubelet_runtime_operations_* (agent-metrics.ts),
// under the CRI method names the kubelet reports, and otherwise passes through.

import { performance } from "node:perf_hooks";
import type { ContainerConfig, ContainerRuntime, ContainerState, ExecOptions, ExecProcess } from "../../runtime/types";
import type { AgentMetrics } from "./agent-metrics";

export class MeteredRuntime implements ContainerRuntime {
  /** Passed through untimed (a subscription, not an operation); absent when the inner runtime has none. */
  readonly watchExits: ContainerRuntime["watchExits"];

  constructor(
    private readonly inner: ContainerRuntime,
    private readonly metrics: AgentMetrics,
  ) {
    this.watchExits = inner.watchExits?.bind(inner);
  }

  createContainer(config: ContainerConfig): Promise<ContainerState> {
    return this.timed("create_container", () => this.inner.createContainer(config));
  }

  startContainer(id: string): Promise<ContainerState> {
    return this.timed("start_container", () => this.inner.startContainer(id));
  }

  stopContainer(id: string, graceSeconds: number): Promise<ContainerState> {
    return this.timed("stop_container", () => this.inner.stopContainer(id, graceSeconds));
  }

  removeContainer(id: string, options?: { keepLogs?: boolean }): Promise<void> {
    return this.timed("remove_container", () => this.inner.removeContainer(id, options));
  }

  state(id: string): Promise<ContainerState> {
    return this.timed("container_status", () => this.inner.state(id));
  }

  list(): Promise<ContainerState[]> {
    return this.timed("list_containers", () => this.inner.list());
  }

  exec(id: string, options: ExecOptions): Promise<ExecProcess> {
    return this.timed("exec", () => this.inner.exec(id, options));
  }

  attach(id: string, options: { stdin: boolean; tty: boolean }): Promise<ExecProcess> {
    return this.timed("attach", () => this.inner.attach(id, options));
  }

  private async timed<T>(type: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let failed = true;
    try {
      const result = await call();
      failed = false;
      return result;
    } finally {
      this.metrics.operation(type, (performance.now() - started) / 1000, failed);
    }
  }
}
