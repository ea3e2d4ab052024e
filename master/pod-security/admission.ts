// Pod Security admission (upstream's k8s.io/pod-security-admission/admission): every create and
// update of a pod, of a workload with a pod template, and of a namespace's Pod Security labels.
//
//   pod            enforce → 403 `pods "x" is forbidden: violates PodSecurity "baseline:latest": …`
//                  audit   → the config's audit sink;  warn → a `Warning: 299` header
//   workload       audit and warn only: upstream does not refuse templates (the pods the
//                  controller then creates are refused, with the reason in its FailedCreate event)
//   namespace      labels must parse (422); a stricter enforce label returns warnings naming the
//                  existing pods that break it
//
// Pure decisions given the namespace labels and pods the environment provides.

import { errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { compareLevels, formatLevelVersion, formatVersion, policyFromLabels, sameLevelVersion, type LevelVersion, type Policy } from "../../api/pod-security/levels";
import { hasPodSpec, podSpecOf } from "../../api/pod-security/pod-specs";
import { evaluatePod, forbiddenDetails, type Evaluation } from "../../api/pod-security/registry";
import { obj, str, strMap, type Obj } from "../../api/validation/json";
import { forbidden } from "../auth/forbidden";
import type { PodSecurityConfig } from "./config";
import { evaluatePodsInNamespace } from "./namespace-pods";
import { isSignificantPodUpdate } from "./significant-update";

export interface PodSecurityRequest {
  group: string;
  plural: string;
  operation: "create" | "update";
  /** "" for the main resource. */
  subresource: string;
  /** The object's namespace ("" for cluster-scoped objects). */
  namespace: string;
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  /** Who asked; internal writers (controllers) have no user. */
  username?: string;
}

export interface PodSecurityEnvironment {
  config: PodSecurityConfig;
  /** The labels of a namespace; throws when it cannot be read. */
  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined>;
  /** Every pod of a namespace, for checking them against a new enforce level. */
  listPods(namespace: string): Promise<KubeObject[]>;
}

/** Pod subresources that cannot change what a pod runs (upstream's ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(["exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"]);

/** Admits the request or throws the 403/422; returns the warnings for the client. */
export async function admitPodSecurity(env: PodSecurityEnvironment, req: PodSecurityRequest): Promise<string[]> {
  if (req.group === "" && req.plural === "namespaces") return admitNamespace(env, req);
  if (req.group === "" && req.plural === "pods") {
    if (IGNORED_POD_SUBRESOURCES.has(req.subresource)) return [];
    return admitPodLike(env, req, true);
  }
  if (hasPodSpec(req.group, req.plural) && req.subresource === "") return admitPodLike(env, req, false);
  return [];
}

function exempt(env: PodSecurityEnvironment, req: PodSecurityRequest): boolean {
  const { namespaces, usernames } = env.config.exemptions;
  return (req.namespace !== "" && namespaces.includes(req.namespace)) || (req.username !== undefined && req.username !== "" && usernames.includes(req.username));
}

async function admitPodLike(env: PodSecurityEnvironment, req: PodSecurityRequest, enforce: boolean): Promise<string[]> {
  if (exempt(env, req)) return [];
  const { policy, errors: labelErrors } = policyFromLabels(await env.namespaceLabels(req.namespace), env.config.defaults);
  const quiet = policy.warn.level === "privileged" && policy.audit.level === "privileged";
  if (labelErrors.length === 0 && quiet && (!enforce || policy.enforce.level === "privileged")) return [];
  if (enforce && req.operation === "update" && req.oldObject && !isSignificantPodUpdate(req.object, req.oldObject)) return [];
  const view = podSpecOf(req.group, req.plural, req.object);
  if (!view) return [];
  const runtimeClass = str(view.spec.runtimeClassName);
  if (runtimeClass !== "" && env.config.exemptions.runtimeClasses.includes(runtimeClass)) return [];
  return evaluate(env, req, policy, view.metadata, view.spec, enforce);
}

function evaluate(env: PodSecurityEnvironment, req: PodSecurityRequest, policy: Policy, metadata: Obj, spec: Obj, enforce: boolean): string[] {
  const cache = new Map<string, Evaluation>();
  const at = (lv: LevelVersion): Evaluation => {
    const key = formatLevelVersion(lv);
    let e = cache.get(key);
    if (!e) cache.set(key, (e = evaluatePod(lv, metadata, spec)));
    return e;
  };
  if (enforce) {
    const e = at(policy.enforce);
    if (!e.allowed) {
      const why = `violates PodSecurity "${formatLevelVersion(policy.enforce)}": ${forbiddenDetails(e)}${allowingHint(policy.enforce, metadata, spec)}`;
      recordAudit(env, req, policy, at);
      throw forbidden(req.group, req.plural, req.name, why);
    }
  }
  recordAudit(env, req, policy, at);
  const w = at(policy.warn);
  return w.allowed ? [] : [`would violate PodSecurity "${formatLevelVersion(policy.warn)}": ${forbiddenDetails(w)}`];
}

function recordAudit(env: PodSecurityEnvironment, req: PodSecurityRequest, policy: Policy, at: (lv: LevelVersion) => Evaluation): void {
  if (!env.config.audit || policy.audit.level === "privileged") return;
  const e = at(policy.audit);
  if (e.allowed) return;
  env.config.audit({
    namespace: req.namespace,
    resource: req.subresource ? `${req.plural}/${req.subresource}` : req.plural,
    name: req.name,
    user: req.username,
    message: `would violate PodSecurity "${formatLevelVersion(policy.audit)}": ${forbiddenDetails(e)}`,
  });
}

/**
 * Gantry's addition to upstream's message: the label that would let the pod in. A pod that
 * meets baseline only needs `enforce=baseline`; anything else needs `privileged`.
 */
function allowingHint(enforce: LevelVersion, metadata: Obj, spec: Obj): string {
  const level = enforce.level === "restricted" && evaluatePod({ level: "baseline", version: enforce.version }, metadata, spec).allowed ? "baseline" : "privileged";
  return ` (label the namespace pod-security.kubernetes.io/enforce=${level} to allow it)`;
}

async function admitNamespace(env: PodSecurityEnvironment, req: PodSecurityRequest): Promise<string[]> {
  if (req.subresource !== "") return [];
  const labelsOf = (o: KubeObject | undefined) => strMap(obj(o?.metadata).labels);
  const next = policyFromLabels(labelsOf(req.object), env.config.defaults);
  const invalid = () => errors.invalid("", "Namespace", req.name, next.errors);
  if (req.operation === "create") {
    if (next.errors.length > 0) throw invalid();
    return [];
  }
  const prev = policyFromLabels(labelsOf(req.oldObject), env.config.defaults);
  const messages = (r: typeof next) => r.errors.map((e) => `${e.field}: ${e.message}`).join(", ");
  if (next.errors.length > 0 && (prev.errors.length === 0 || messages(next) !== messages(prev))) throw invalid();
  // Existing pods are checked only when enforce got stricter (upstream's rules).
  const [now, before] = [next.policy.enforce, prev.policy.enforce];
  if (sameLevelVersion(now, before) || now.level === "privileged") return [];
  if (formatVersion(now.version) === formatVersion(before.version) && compareLevels(now.level, before.level) < 1) return [];
  if (env.config.exemptions.namespaces.includes(req.name)) return [];
  return evaluatePodsInNamespace(env, req.name, now);
}
