// Finding the container a Logs/Exec/Attach request means: the pod by uid (or namespace and
// name), the container by name (or the only one), the current or the previous instance.
// Failures carry the gRPC code and the message kubectl users know.

import type { PodRef } from "../proto/gen/agent";
import { AgentRpcError, Code } from "./grpc-status";
import type { PodManager } from "./pod-manager";
import type { PodWorker } from "./pod-worker/runner";
import type { Instance } from "./pod-worker/state";

export function findPod(pods: PodManager, ref: PodRef | undefined): PodWorker {
  if (!ref || (!ref.uid && !ref.name)) throw new AgentRpcError(Code.INVALID_ARGUMENT, "the request names no pod (uid, or namespace and name)");
  const workers = pods.workers();
  const w = ref.uid ? workers.find((x) => x.uid === ref.uid) : workers.find((x) => x.state.name === ref.name && x.state.namespace === (ref.namespace || "default") && !x.state.removing);
  if (!w) throw new AgentRpcError(Code.NOT_FOUND, `pod ${ref.uid ? `with uid ${ref.uid}` : `${ref.namespace || "default"}/${ref.name}`} is not on this node`);
  return w;
}

/** The container a request means; ephemeral containers (kubectl debug) may be named too. */
export function containerName(w: PodWorker, name: string, includeInit: boolean): string {
  const spec = w.pod.spec;
  const app = (spec?.containers ?? []).map((c) => c.name);
  const ephemeral = (spec?.ephemeralContainers ?? []).map((c) => c.name);
  const all = [...(includeInit ? (spec?.initContainers ?? []).map((c) => c.name) : []), ...app, ...ephemeral];
  if (!name) {
    if (app.length === 1) return app[0];
    throw new AgentRpcError(Code.INVALID_ARGUMENT, `a container name must be specified for pod ${w.state.name}, choose one of: [${app.join(" ")}]`);
  }
  if (!all.includes(name)) throw new AgentRpcError(Code.NOT_FOUND, `container ${name} is not valid for pod ${w.state.name}`);
  return name;
}

/** The instance to read logs of: the current run, or with `previous` the one before it. */
export function logInstance(w: PodWorker, name: string, previous: boolean): Instance {
  const rec = w.state.containers[name];
  if (previous) {
    if (!rec?.previous) throw new AgentRpcError(Code.NOT_FOUND, `previous terminated container "${name}" in pod "${w.state.name}" not found`);
    return rec.previous;
  }
  if (!rec?.current) {
    const reason = rec?.waiting?.reason ?? "ContainerCreating";
    throw new AgentRpcError(Code.FAILED_PRECONDITION, `container "${name}" in pod "${w.state.name}" is waiting to start: ${reason}`);
  }
  return rec.current;
}

/** The running instance, for exec and attach. */
export function runningInstance(w: PodWorker, name: string): Instance {
  const inst = w.state.containers[name]?.current;
  if (!inst || inst.phase !== "running") throw new AgentRpcError(Code.FAILED_PRECONDITION, `container ${name} in pod ${w.state.namespace}/${w.state.name} is not running`);
  return inst;
}
