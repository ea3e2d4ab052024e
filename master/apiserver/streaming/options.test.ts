import assert from "node:assert/strict";
import { test } from "node:test";
import { apiError } from "../../../api/testing/api-error";
import type { KubeObject } from "../../../api/object";
import { parseExecOptions, parseLogOptions, resolveContainer } from "./options";

const q = (s: string) => new URLSearchParams(s);

test("log options: what kubectl sends parses", () => {
  assert.deepEqual(parseLogOptions(q("container=nginx&follow=true&tailLines=1"), "p"), {
    container: "nginx",
    follow: true,
    tailLines: 1,
    sinceSeconds: undefined,
    sinceTime: undefined,
    timestamps: false,
    previous: false,
    limitBytes: undefined,
  });
  const o = parseLogOptions(q("sinceTime=2025-01-01T00:00:00Z&timestamps=1&previous=True&limitBytes=10"), "p");
  assert.equal(o.sinceTime, "2025-01-01T00:00:00Z");
  assert.equal(o.timestamps, true);
  assert.equal(o.previous, true);
  assert.equal(o.limitBytes, 10);
});

test("log options: invalid values are refused the way the apiserver refuses them", () => {
  const neg = apiError(() => parseLogOptions(q("tailLines=-1"), "p"));
  assert.equal(neg.code, 422);
  assert.match(neg.message, /^PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0/);
  assert.equal(apiError(() => parseLogOptions(q("limitBytes=0"), "p")).code, 422);
  assert.equal(apiError(() => parseLogOptions(q("sinceSeconds=0"), "p")).code, 422);
  assert.match(apiError(() => parseLogOptions(q("sinceSeconds=5&sinceTime=2025-01-01T00:00:00Z"), "p")).message, /at most one of `sinceTime` or `sinceSeconds`/);
  assert.equal(apiError(() => parseLogOptions(q("tailLines=abc"), "p")).code, 400);
  assert.equal(apiError(() => parseLogOptions(q("follow=yes"), "p")).code, 400);
  assert.equal(apiError(() => parseLogOptions(q("sinceTime=yesterday"), "p")).code, 400);
});

test("exec options need a command and a stream; tty merges stderr", () => {
  const o = parseExecOptions(q("command=sh&command=-c&command=echo+hi&container=app&stdout=true&stderr=true"), false);
  assert.deepEqual(o, { container: "app", command: ["sh", "-c", "echo hi"], stdin: false, stdout: true, stderr: true, tty: false });
  assert.match(apiError(() => parseExecOptions(q("stdout=true"), false)).message, /at least one command/);
  assert.deepEqual(parseExecOptions(q("stdout=true"), true).command, [], "attach runs no command");
  assert.match(apiError(() => parseExecOptions(q("command=ls"), false)).message, /at least 1 of stdin, stdout, stderr/);
  assert.equal(apiError(() => parseExecOptions(q("command=ls&stdout=1&stderr=1&tty=1"), false)).code, 400);
});

test("the container defaults to the only one, and several must be chosen from by name", () => {
  const pod = (names: string[], init: string[] = []): KubeObject => ({ metadata: { name: "web" }, spec: { initContainers: init.map((name) => ({ name })), containers: names.map((name) => ({ name })) } });
  assert.equal(resolveContainer(pod(["app"]), ""), "app");
  assert.equal(resolveContainer(pod(["a", "b"]), "b"), "b");
  assert.equal(resolveContainer(pod(["a"], ["setup"]), "setup"), "setup");
  const ambiguous = apiError(() => resolveContainer(pod(["a", "b"]), ""));
  assert.equal(ambiguous.code, 400);
  assert.equal(ambiguous.message, "a container name must be specified for pod web, choose one of: [a b]");
  assert.equal(apiError(() => resolveContainer(pod(["a"]), "nope")).message, "container nope is not valid for pod web");
});
