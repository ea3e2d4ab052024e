// Declarative scheduler workloads, in the shape of kube-scheduler's scheduler_perf
// (test/integration/scheduler_perf/config/performance-config.yaml): a test case names a
// workloadTemplate — a list of operations (`createNodes`, `createPods`) whose counts may be
// parameters (`countParam: $nodes`) — and its workloads, each a named size
// (`5000Nodes_10000Pods`) with the parameter values and a size label (`small`, `medium`, `large`)
// that `gantry bench scheduler --size` selects. Pods of a `collectMetrics` operation are the
// measured ones; `expectUnschedulable` pods are created first and must stay pending.
//
// This file only parses and checks (pure: text in, plans out, errors name the field); the runner
// is bench/scheduler-workload.ts. The config itself is bench/scheduler-workloads.yaml.

import { parse } from "yaml";
import { parseBytes, parseMillis, parseQuantity } from "../api/quantity";

/** Uniform over min..max in steps (a fixed value has min = max). */
export interface Range {
  min: number;
  max: number;
  step: number;
}

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
  milliCpu: number;
  memoryBytes: number;
  podSlots: number;
}

export interface CreateNodesOp {
  opcode: "createNodes";
  count: number;
  capacity: NodeCapacity;
  labels: Record<string, string>;
  /** Node i gets `key: values[i % values.length]` (scheduler_perf's labelNodePrepareStrategy). */
  labelRotation?: { key: string; values: string[] };
  taints: { key: string; value: string; effect: string }[];
}

export interface CreatePodsOp {
  opcode: "createPods";
  count: number;
  /** Measured: throughput, latency and packing are computed over these pods. */
  collectMetrics: boolean;
  /** Must not be placed (e.g. requests larger than any node); not waited for. */
  expectUnschedulable: boolean;
  milliCpu: Range;
  memoryBytes: Range;
  /** Pod i uses host port min + i % (max - min + 1) (TCP). */
  hostPorts?: { min: number; max: number };
  nodeSelector?: Record<string, string>;
  /** spec.affinity, as Kubernetes takes it. */
  affinity?: Record<string, unknown>;
  tolerations?: Record<string, unknown>[];
}

export type Op = CreateNodesOp | CreatePodsOp;

/** One runnable workload: a test case at one size. */
export interface WorkloadPlan {
  testCase: string;
  /** The size's name, e.g. "5000Nodes_10000Pods". */
  workload: string;
  /** "<testCase>/<workload>". */
  name: string;
  size: string;
  seed: number;
  ops: Op[];
}

export class WorkloadConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const DEFAULT_CAPACITY = { cpu: "8", memory: "32Gi", pods: "110" };
const DEFAULT_SEED = 20260101;
const OPCODES = ["createNodes", "createPods"];

function obj(v: unknown, field: string): Obj {
  if (!isObj(v)) throw new WorkloadConfigError(field, "must be a mapping");
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new WorkloadConfigError(field, "must be a list");
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw new WorkloadConfigError(field, "must be a non-empty string");
  return v;
}

function allowOnly(o: Obj, field: string, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new WorkloadConfigError(`${field}.${k}`, `unknown field (known: ${keys.join(", ")})`);
}

function quantity(v: unknown, field: string, parseOne: (q: string | number) => number): number {
  if (typeof v !== "string" && typeof v !== "number") throw new WorkloadConfigError(field, "must be a quantity such as 500m, 2 or 128Mi");
  try {
    const n = parseOne(v);
    if (!(n >= 0)) throw new Error("negative");
    return n;
  } catch (err) {
    throw new WorkloadConfigError(field, `${JSON.stringify(v)} is not a valid quantity (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** A quantity, or {min, max, step} of quantities. */
function range(v: unknown, field: string, parseOne: (q: string | number) => number): Range {
  if (!isObj(v)) {
    const n = quantity(v, field, parseOne);
    return { min: n, max: n, step: 1 };
  }
  allowOnly(v, field, ["min", "max", "step"]);
  const min = quantity(v.min, `${field}.min`, parseOne);
  const max = quantity(v.max, `${field}.max`, parseOne);
  const step = quantity(v.step, `${field}.step`, parseOne);
  if (max < min) throw new WorkloadConfigError(field, "max is below min");
  if (step <= 0) throw new WorkloadConfigError(`${field}.step`, "must be above zero");
  return { min, max, step };
}

function count(op: Obj, field: string, params: Record<string, number>, workload: string): number {
  if (op.count !== undefined && op.countParam !== undefined) throw new WorkloadConfigError(field, "give count or countParam, not both");
  if (op.count !== undefined) {
    if (!Number.isInteger(op.count) || (op.count as number) < 0) throw new WorkloadConfigError(`${field}.count`, "must be a whole number ≥ 0");
    return op.count as number;
  }
  const ref = str(op.countParam, `${field}.countParam`);
  if (!ref.startsWith("$")) throw new WorkloadConfigError(`${field}.countParam`, `must name a parameter as $name, not ${ref}`);
  const value = params[ref.slice(1)];
  if (value === undefined) throw new WorkloadConfigError(`${field}.countParam`, `${ref} is not among the params of workload ${workload}`);
  return value;
}

function stringMap(v: unknown, field: string): Record<string, string> {
  const o = obj(v, field);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, str(x, `${field}.${k}`)]));
}

function nodesOp(op: Obj, field: string, params: Record<string, number>, workload: string): CreateNodesOp {
  allowOnly(op, field, ["opcode", "count", "countParam", "capacity", "labels", "labelRotation", "taints"]);
  const cap = { ...DEFAULT_CAPACITY, ...(op.capacity === undefined ? {} : stringMap(op.capacity, `${field}.capacity`)) };
  if (op.capacity !== undefined) allowOnly(op.capacity as Obj, `${field}.capacity`, ["cpu", "memory", "pods"]);
  const capacity: NodeCapacity = {
    ...cap,
    milliCpu: quantity(cap.cpu, `${field}.capacity.cpu`, parseMillis),
    memoryBytes: quantity(cap.memory, `${field}.capacity.memory`, parseBytes),
    podSlots: quantity(cap.pods, `${field}.capacity.pods`, parseQuantity),
  };
  let labelRotation: CreateNodesOp["labelRotation"];
  if (op.labelRotation !== undefined) {
    const r = obj(op.labelRotation, `${field}.labelRotation`);
    allowOnly(r, `${field}.labelRotation`, ["key", "values"]);
    const values = list(r.values, `${field}.labelRotation.values`).map((x, i) => str(x, `${field}.labelRotation.values[${i}]`));
    if (values.length === 0) throw new WorkloadConfigError(`${field}.labelRotation.values`, "must not be empty");
    labelRotation = { key: str(r.key, `${field}.labelRotation.key`), values };
  }
  const taints = op.taints === undefined ? [] : list(op.taints, `${field}.taints`).map((t, i) => {
    const f = `${field}.taints[${i}]`;
    const o = obj(t, f);
    allowOnly(o, f, ["key", "value", "effect"]);
    const effect = str(o.effect, `${f}.effect`);
    if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(effect)) throw new WorkloadConfigError(`${f}.effect`, `must be NoSchedule, PreferNoSchedule or NoExecute, not ${effect}`);
    return { key: str(o.key, `${f}.key`), value: o.value === undefined ? "" : str(o.value, `${f}.value`), effect };
  });
  return { opcode: "createNodes", count: count(op, field, params, workload), capacity, labels: op.labels === undefined ? {} : stringMap(op.labels, `${field}.labels`), labelRotation, taints };
}

function podsOp(op: Obj, field: string, params: Record<string, number>, workload: string): CreatePodsOp {
  allowOnly(op, field, ["opcode", "count", "countParam", "collectMetrics", "expectUnschedulable", "podTemplate"]);
  const t = op.podTemplate === undefined ? {} : obj(op.podTemplate, `${field}.podTemplate`);
  const tf = `${field}.podTemplate`;
  allowOnly(t, tf, ["cpu", "memory", "hostPorts", "nodeSelector", "affinity", "tolerations"]);
  const flag = (k: "collectMetrics" | "expectUnschedulable") => {
    if (op[k] !== undefined && typeof op[k] !== "boolean") throw new WorkloadConfigError(`${field}.${k}`, "must be true or false");
    return op[k] === true;
  };
  let hostPorts: CreatePodsOp["hostPorts"];
  if (t.hostPorts !== undefined) {
    const h = obj(t.hostPorts, `${tf}.hostPorts`);
    allowOnly(h, `${tf}.hostPorts`, ["min", "max"]);
    const port = (v: unknown, f: string) => {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) throw new WorkloadConfigError(f, "must be a port number 1..65535");
      return v as number;
    };
    hostPorts = { min: port(h.min, `${tf}.hostPorts.min`), max: port(h.max, `${tf}.hostPorts.max`) };
    if (hostPorts.max < hostPorts.min) throw new WorkloadConfigError(`${tf}.hostPorts`, "max is below min");
  }
  const out: CreatePodsOp = {
    opcode: "createPods",
    count: count(op, field, params, workload),
    collectMetrics: flag("collectMetrics"),
    expectUnschedulable: flag("expectUnschedulable"),
    milliCpu: range(t.cpu ?? "100m", `${tf}.cpu`, parseMillis),
    memoryBytes: range(t.memory ?? "128Mi", `${tf}.memory`, parseBytes),
    hostPorts,
    nodeSelector: t.nodeSelector === undefined ? undefined : stringMap(t.nodeSelector, `${tf}.nodeSelector`),
    affinity: t.affinity === undefined ? undefined : obj(t.affinity, `${tf}.affinity`),
    tolerations: t.tolerations === undefined ? undefined : list(t.tolerations, `${tf}.tolerations`).map((x, i) => obj(x, `${tf}.tolerations[${i}]`)),
  };
  if (out.collectMetrics && out.expectUnschedulable) throw new WorkloadConfigError(field, "collectMetrics and expectUnschedulable exclude each other");
  return out;
}

/** Every workload of every test case in `text` (YAML), checked. */
export function parseWorkloadConfig(text: string): WorkloadPlan[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new WorkloadConfigError("(document)", `not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const plans: WorkloadPlan[] = [];
  const seen = new Set<string>();
  list(doc, "(document)").forEach((tc, i) => {
    const f = `[${i}]`;
    const testCase = obj(tc, f);
    allowOnly(testCase, f, ["name", "seed", "workloadTemplate", "workloads"]);
    const name = str(testCase.name, `${f}.name`);
    const seed = testCase.seed === undefined ? DEFAULT_SEED : testCase.seed;
    if (!Number.isInteger(seed)) throw new WorkloadConfigError(`${f}.seed`, "must be a whole number");
    const template = list(testCase.workloadTemplate, `${name}.workloadTemplate`);
    list(testCase.workloads, `${name}.workloads`).forEach((w, j) => {
      const wf = `${name}.workloads[${j}]`;
      const workload = obj(w, wf);
      allowOnly(workload, wf, ["name", "size", "params"]);
      const wname = str(workload.name, `${wf}.name`);
      const params: Record<string, number> = {};
      for (const [k, v] of Object.entries(workload.params === undefined ? {} : obj(workload.params, `${wf}.params`))) {
        if (!Number.isInteger(v) || (v as number) < 0) throw new WorkloadConfigError(`${wf}.params.${k}`, "must be a whole number ≥ 0");
        params[k] = v as number;
      }
      const ops = template.map((o, k) => {
        const of = `${name}.workloadTemplate[${k}]`;
        const op = obj(o, of);
        const opcode = str(op.opcode, `${of}.opcode`);
        if (!OPCODES.includes(opcode)) throw new WorkloadConfigError(`${of}.opcode`, `unknown opcode ${opcode} (known: ${OPCODES.join(", ")})`);
        return opcode === "createNodes" ? nodesOp(op, of, params, wname) : podsOp(op, of, params, wname);
      });
      if (!ops.some((o) => o.opcode === "createPods" && o.collectMetrics)) throw new WorkloadConfigError(`${name}.workloadTemplate`, "no createPods operation has collectMetrics: true");
      const full = `${name}/${wname}`;
      if (seen.has(full)) throw new WorkloadConfigError(`${wf}.name`, `${full} is defined twice`);
      seen.add(full);
      plans.push({ testCase: name, workload: wname, name: full, size: str(workload.size, `${wf}.size`), seed: seed as number, ops });
    });
  });
  return plans;
}

/**
 * The plans a run asks for: `size` matches a size label ("small") or a workload name
 * ("5000Nodes_10000Pods"); `testCases` (if given) limits the test cases. Unknown names are errors.
 */
export function selectWorkloads(plans: readonly WorkloadPlan[], size: string, testCases?: readonly string[]): WorkloadPlan[] {
  for (const tc of testCases ?? []) if (!plans.some((p) => p.testCase === tc)) throw new WorkloadConfigError("testCase", `unknown test case ${tc} (known: ${[...new Set(plans.map((p) => p.testCase))].join(", ")})`);
  const picked = plans.filter((p) => (p.size === size || p.workload === size) && (!testCases || testCases.includes(p.testCase)));
  if (picked.length === 0) throw new WorkloadConfigError("size", `no workload has size or name ${size} (sizes: ${[...new Set(plans.map((p) => p.size))].join(", ")})`);
  return picked;
}
