// Performs a pod worker's I/O actions and turns each outcome into the input that answers it.
// Expected failures (a pull that fails, a missing ConfigMap, a command that cannot start) are
// results the state machine acts on; nothing here decides what to do about them.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Pod } from "kubernetes-types/core/v1";
import { RuntimeError, type ContainerRuntime, type ContainerState } from "../runtime/types";
import { imageIdOf, type ImageService } from "./images";
import { containerId, observedFrom } from "./labels";
import type { LogRetention } from "./log-retention";
import { ConfigError } from "./pod-spec/errors";
import { buildContainerConfig } from "./pod-spec/container-config";
import type { VolumeDataLookup } from "./pod-spec/volume-data";
import type { PodServiceEnv } from "./pod-service-env";
import { specOf } from "./pod-worker/state";
import type { ContainerKind, ObservedContainer, WorkerAction, WorkerInput } from "./pod-worker/types";
import { runProbe } from "./probes/probe-runner";
import { pullCredentials } from "./pull-secrets";
import { SandboxError, setUpSandbox, tearDownSandbox, type Sandbox, type SandboxEnv } from "./sandbox/sandbox";
import { refreshTokenVolumes } from "./sandbox/token-volumes";
import { releaseSubPaths, stageSubPaths } from "./sandbox/subpath";
import type { StartSlots, StartStep } from "./start-slots";
import { terminationMessage } from "./termination-message";

export interface ExecutorDeps {
  runtime: ContainerRuntime;
  images: ImageService;
  sandboxEnv: SandboxEnv;
  volumeData: VolumeDataLookup;
  /** Service environment variables for new containers; none when absent (tests of other parts). */
  serviceEnv?: PodServiceEnv;
  logRetention: LogRetention;
  /** Shared by every pod's executor: bounds how many sandbox/create/start steps run at once. */
  startSlots?: StartSlots;
  now(): number;
  warn(msg: string, err?: unknown): void;
}

type IoAction = Exclude<WorkerAction, { kind: "event" | "publishStatus" | "finished" }>;

function startStepOf(action: IoAction): StartStep | undefined {
  switch (action.kind) {
    case "createSandbox":
      return "sandbox";
    case "createContainer":
      return "create";
    case "startContainer":
      return "start";
    default:
      return undefined;
  }
}

export class PodExecutor {
  private sandbox: Sandbox | undefined;
  private tearingDown = false;
  private refreshing = false;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly pod: () => Pod,
  ) {}

  /** The pod's network namespace, once its sandbox is set up (for exec-free probes, port-forward). */
  get netnsPath(): string | undefined {
    return this.sandbox?.netnsPath;
  }

  /** Rewrites the pod's token volumes when one of its tokens is due (the pod manager calls it often). */
  async refreshTokens(): Promise<void> {
    const { sandboxEnv, volumeData, warn } = this.deps;
    const sandbox = this.sandbox;
    if (!sandboxEnv.tokens || !sandbox || this.tearingDown || this.refreshing) return;
    this.refreshing = true;
    const pod = this.pod();
    try {
      await refreshTokenVolumes(pod, sandbox.paths, sandboxEnv.tokens, volumeData, sandboxEnv.facts(sandbox.podIPs));
    } catch (err) {
      warn(`refreshing the service-account token of pod ${pod.metadata?.namespace}/${pod.metadata?.name} failed`, err);
    } finally {
      this.refreshing = false;
    }
  }

  async perform(action: IoAction): Promise<WorkerInput | undefined> {
    try {
      const step = startStepOf(action);
      const slots = this.deps.startSlots;
      return await (step && slots ? slots.run(step, () => this.performUnsafe(action)) : this.performUnsafe(action));
    } catch (err) {
      return this.failureOf(action, (err as Error).message ?? String(err));
    }
  }

  /** What an unexpected error in an action means to the machine: the action failed. */
  private failureOf(action: IoAction, message: string): WorkerInput | undefined {
    switch (action.kind) {
      case "inspectImage":
        return { kind: "imageInspected", image: action.image, attempt: action.attempt };
      case "pullImage":
        return { kind: "imagePulled", image: action.image, attempt: action.attempt, result: { ok: false, message } };
      case "createSandbox":
        return { kind: "sandboxFailed", reason: "FailedCreatePodSandBox", message: `Failed to create pod sandbox: ${message}` };
      case "createContainer":
        return { kind: "containerCreateFailed", name: action.name, attempt: action.attempt, reason: "CreateContainerError", message };
      case "startContainer":
        return { kind: "containerStartFailed", id: action.id, message };
      case "stopContainer":
        return { kind: "containerStopFailed", id: action.id, message };
      case "runProbe":
        return { kind: "probeResult", name: action.name, probe: action.probe, containerId: action.containerId, ok: false, output: message };
      case "removeContainer":
      case "teardownSandbox":
        throw new Error(message); // these retry inside; reaching here is a bug worth the runner's log
    }
  }

  private async performUnsafe(action: IoAction): Promise<WorkerInput | undefined> {
    const d = this.deps;
    switch (action.kind) {
      case "inspectImage": {
        const record = await d.images.inspect(action.image).catch(() => undefined);
        return { kind: "imageInspected", image: action.image, attempt: action.attempt, ...(record ? { present: { imageId: imageIdOf(record) } } : {}) };
      }
      case "pullImage": {
        const started = d.now();
        try {
          const record = await d.images.pull({ image: action.image, auth: pullCredentials(this.pod(), d.volumeData) });
          return { kind: "imagePulled", image: action.image, attempt: action.attempt, result: { ok: true, info: { imageId: imageIdOf(record) }, durationMs: d.now() - started } };
        } catch (err) {
          return { kind: "imagePulled", image: action.image, attempt: action.attempt, result: { ok: false, message: (err as Error).message } };
        }
      }
      case "createSandbox":
        try {
          this.sandbox = await setUpSandbox(this.pod(), d.sandboxEnv, d.volumeData);
          if (this.sandbox.dnsWarning) d.warn(this.sandbox.dnsWarning);
          return { kind: "sandboxReady", podIPs: this.sandbox.podIPs };
        } catch (err) {
          if (err instanceof SandboxError) return { kind: "sandboxFailed", reason: err.reason, message: err.message };
          return { kind: "sandboxFailed", reason: "FailedCreatePodSandBox", message: `Failed to create pod sandbox: ${(err as Error).message}` };
        }
      case "createContainer":
        return this.create(action.name, action.containerKind, action.attempt, action.target);
      case "startContainer":
        try {
          return { kind: "containerStarted", container: await this.observe(await d.runtime.startContainer(action.id)) };
        } catch (err) {
          const state = await d.runtime.state(action.id).catch(() => undefined);
          const container = state ? await this.observe(state) : undefined;
          return { kind: "containerStartFailed", id: action.id, message: (err as Error).message, ...(container ? { container } : {}) };
        }
      case "stopContainer":
        try {
          return { kind: "containerStopped", container: await this.observe(await d.runtime.stopContainer(action.id, action.graceSeconds)) };
        } catch (err) {
          return { kind: "containerStopFailed", id: action.id, message: (err as Error).message };
        }
      case "removeContainer":
        return this.remove(action.id, action.keepLogs);
      case "runProbe": {
        const spec = this.pod().spec?.containers.find((c) => c.name === action.name);
        const netnsPath = this.sandbox?.netnsPath;
        const outcome =
          spec && netnsPath
            ? await runProbe(d.runtime, action.spec, { containerId: action.containerId, container: spec, netnsPath })
            : { ok: false, output: "the pod's sandbox is not ready" };
        return { kind: "probeResult", name: action.name, probe: action.probe, containerId: action.containerId, ok: outcome.ok, output: outcome.output };
      }
      case "teardownSandbox":
        this.tearingDown = true;
        for (let attempt = 0; ; attempt++) {
          try {
            await tearDownSandbox(this.pod(), d.sandboxEnv);
            this.sandbox = undefined;
            return { kind: "sandboxRemoved" };
          } catch (err) {
            // Not done until it is done: report, wait, retry (a busy mount frees itself soon).
            d.warn(`tearing down the sandbox of pod ${this.pod().metadata?.namespace}/${this.pod().metadata?.name} failed (attempt ${attempt + 1})`, err);
            await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
          }
        }
    }
  }

  private async observe(state: ContainerState): Promise<ObservedContainer> {
    const message = state.status === "exited" ? await terminationMessage(state) : undefined;
    const o = observedFrom(state, message);
    if (!o) throw new Error(`container ${state.id} carries no pod labels`);
    return o;
  }

  private async create(name: string, kind: ContainerKind, attempt: number, target?: { name: string; id?: string }): Promise<WorkerInput> {
    const d = this.deps;
    const pod = this.pod();
    const fail = (reason: "CreateContainerConfigError" | "CreateContainerError", message: string): WorkerInput => ({ kind: "containerCreateFailed", name, attempt, reason, message });
    const spec = specOf(pod, name, kind);
    const sandbox = this.sandbox;
    if (!spec || !sandbox) return fail("CreateContainerError", spec ? "the pod's sandbox is not ready" : `container ${name} is not in the pod spec`);
    let pidnsPath: string | undefined;
    if (target) {
      pidnsPath = await this.pidNamespaceOf(target);
      if (!pidnsPath) return fail("CreateContainerError", `cannot share the process namespace of target container "${target.name}": it is not running`);
    }
    const record = await d.images.inspect(spec.image ?? "");
    if (!record) return fail("CreateContainerError", `image ${JSON.stringify(spec.image)} is not present on the node`);
    const id = containerId(pod.metadata?.uid ?? "", name, attempt);
    let built;
    try {
      const serviceEnv = await d.serviceEnv?.forPod(pod);
      built = buildContainerConfig({
        pod,
        container: spec,
        kind,
        attempt,
        id,
        image: { config: record.config, layers: record.layers.map((l) => l.path) },
        data: d.volumeData,
        facts: d.sandboxEnv.facts(sandbox.podIPs),
        serviceEnv,
        paths: sandbox.paths,
        volumes: sandbox.volumes,
        netnsPath: sandbox.netnsPath,
        ipcnsPath: sandbox.ipcnsPath,
        utsnsPath: sandbox.utsnsPath,
        ...(pidnsPath ? { pidnsPath } : {}),
        cgroupParent: sandbox.cgroupParent,
      });
      // Re-checked at every create: the volume may have changed since the last start.
      await stageSubPaths(built.subPaths);
    } catch (err) {
      if (err instanceof ConfigError) return fail(err.reason, err.message);
      return fail("CreateContainerConfigError", (err as Error).message);
    }
    const { config, subPaths } = built;
    try {
      const logFile = sandbox.paths.terminationLog(name, attempt);
      await fs.mkdir(path.dirname(logFile), { recursive: true });
      await fs.writeFile(logFile, "", { mode: 0o666 });
      await fs.chmod(logFile, 0o666); // any container user may write its termination message
      let state: ContainerState;
      try {
        state = await d.runtime.createContainer(config);
      } catch (err) {
        // Same id from a create the agent did not see finish (it crashed): start over.
        if (!(err instanceof RuntimeError && err.code === "AlreadyExists")) throw err;
        await d.runtime.removeContainer(id);
        state = await d.runtime.createContainer(config);
      }
      return { kind: "containerCreated", container: await this.observe(state) };
    } catch (err) {
      return fail("CreateContainerError", (err as Error).message);
    } finally {
      // The created container holds its own bind of each subPath; the staging mounts are done.
      await releaseSubPaths(subPaths).catch((err: unknown) => d.warn(`releasing the subPath mounts of container ${id} failed (the pod's teardown unmounts them)`, err));
    }
  }

  /** The PID namespace of a running container (an ephemeral container's target), or undefined. */
  private async pidNamespaceOf(target: { id?: string }): Promise<string | undefined> {
    if (!target.id) return undefined;
    const state = await this.deps.runtime.state(target.id).catch(() => undefined);
    return state?.status === "running" && state.pid ? `/proc/${state.pid}/ns/pid` : undefined;
  }

  private async remove(id: string, keepLogs: boolean): Promise<WorkerInput> {
    const d = this.deps;
    const state = await d.runtime.state(id).catch(() => undefined);
    try {
      await d.runtime.removeContainer(id, { keepLogs });
    } catch (err) {
      if (!(err instanceof RuntimeError && err.code === "NotFound")) {
        d.warn(`removing container ${id} failed; retrying`, err);
        await new Promise((r) => setTimeout(r, 5000));
        return this.remove(id, keepLogs);
      }
    }
    if (keepLogs && state) await d.logRetention.schedule(id, state.logPath);
    return { kind: "containerRemoved", id };
  }
}
