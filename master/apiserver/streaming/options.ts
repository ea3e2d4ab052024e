// The query parameters of pods/log, pods/exec and pods/attach, checked the way the apiserver
// checks PodLogOptions and PodExecOptions. Pure.

import { errors, type StatusCause } from "../../../api/errors";
import type { KubeObject } from "../../../api/object";
import { parseBoolParam as parseBool } from "../query-params";

export interface LogOptions {
  container: string;
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps: boolean;
  previous: boolean;
  limitBytes?: number;
}

export interface ExecOptions {
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function parseInt64(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw errors.badRequest(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  return Number(v);
}

export function parseLogOptions(q: URLSearchParams, podName: string): LogOptions {
  const o: LogOptions = {
    container: q.get("container") ?? "",
    follow: parseBool(q, "follow"),
    tailLines: parseInt64(q, "tailLines"),
    sinceSeconds: parseInt64(q, "sinceSeconds"),
    sinceTime: q.get("sinceTime") || undefined,
    timestamps: parseBool(q, "timestamps"),
    previous: parseBool(q, "previous"),
    limitBytes: parseInt64(q, "limitBytes"),
  };
  // Accepted and checked; the master reaches agents over its own gRPC link, so there is no
  // backend TLS verification to skip.
  parseBool(q, "insecureSkipTLSVerifyBackend");
  const causes: StatusCause[] = [];
  const invalid = (field: string, value: unknown, message: string) => causes.push({ reason: "FieldValueInvalid", field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` });
  if (o.tailLines !== undefined && o.tailLines < 0) invalid("tailLines", o.tailLines, "must be greater than or equal to 0");
  if (o.limitBytes !== undefined && o.limitBytes < 1) invalid("limitBytes", o.limitBytes, "must be greater than 0");
  if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) invalid("sinceSeconds", o.sinceSeconds, "must be greater than 0");
  if (o.sinceTime !== undefined && Number.isNaN(Date.parse(o.sinceTime))) {
    throw errors.badRequest(`invalid value for sinceTime: parsing time ${JSON.stringify(o.sinceTime)} as RFC 3339 failed`);
  }
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    causes.push({ reason: "FieldValueForbidden", message: "at most one of `sinceTime` or `sinceSeconds` may be specified" });
  }
  if (causes.length > 0) throw errors.invalid("", "PodLogOptions", podName, causes);
  return o;
}

export function parseExecOptions(q: URLSearchParams, attach: boolean): ExecOptions {
  const o: ExecOptions = {
    container: q.get("container") ?? "",
    command: q.getAll("command"),
    stdin: parseBool(q, "stdin"),
    stdout: parseBool(q, "stdout"),
    stderr: parseBool(q, "stderr"),
    tty: parseBool(q, "tty"),
  };
  if (!attach && o.command.length === 0) throw errors.badRequest("you must specify at least one command for the container");
  if (!o.stdin && !o.stdout && !o.stderr) throw errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  if (o.tty && o.stderr) throw errors.badRequest("tty and stderr cannot both be true: with a TTY, stderr is part of stdout");
  return o;
}

/**
 * The container a request addresses. Empty means the pod's only container; with several the
 * caller must choose, and is told the names (Kubernetes' message).
 */
export function resolveContainer(pod: KubeObject, requested: string): string {
  const spec = (pod.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
  const containers = spec.containers ?? [];
  const all = [...(spec.initContainers ?? []), ...containers, ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  const podName = pod.metadata.name ?? "";
  if (requested === "") {
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
    throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${all.join(" ")}]`);
  }
  if (!all.includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}
