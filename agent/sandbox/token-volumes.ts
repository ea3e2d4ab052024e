// Projected volumes holding service-account tokens: the tokens to write when the sandbox is set
// up, and the rewrite when they are refreshed (agent/tokens/service-account-tokens.ts decides
// when). A rewrite re-plans only the volumes that project a token (configMap and downwardAPI
// sources in them are written again with it) and swaps their files atomically, so a container
// reading `token` sees the old file or the new one, never half of one.
//
// A sandbox set up again after an agent restart, before any master session is open, keeps the
// tokens its volumes already hold: the pod's containers are still running and those tokens are
// still valid; the refresh replaces them as soon as the master answers.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Pod } from "kubernetes-types/core/v1";
import { VolumeError } from "../pod-spec/errors";
import type { PodRuntimeFacts } from "../pod-spec/field-ref";
import type { PodPaths } from "../pod-spec/pod-paths";
import { NO_TOKENS, projectionKey, tokenProjections, type TokenLookup } from "../pod-spec/token-data";
import type { VolumeDataLookup } from "../pod-spec/volume-data";
import { planVolumes, projectsToken } from "../pod-spec/volumes";
import { writeAtomically } from "./atomic-writer";

/** Where the node gets its pods' tokens (ServiceAccountTokens). */
export interface PodTokenSource {
  fetch(pod: Pod): Promise<TokenLookup>;
  /** Whether a token of the pod is missing or due for a refresh. */
  due(pod: Pod): boolean;
  /** Drops a removed pod's tokens. */
  forget(podUid: string): void;
}

/** The tokens the pod's volumes need now; throws the FailedMount error when there are none. */
export async function tokensForSetUp(pod: Pod, paths: PodPaths, source: PodTokenSource | undefined): Promise<TokenLookup> {
  if (tokenProjections(pod).length === 0) return NO_TOKENS;
  const volume = (pod.spec?.volumes ?? []).find(projectsToken)?.name ?? "";
  let why = "this agent has no master to ask";
  if (source) {
    try {
      return await source.fetch(pod);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
  }
  const held = await tokensHeld(pod, paths);
  if (held) return held;
  throw new VolumeError(volume, why.startsWith("failed to fetch token") ? why : `failed to fetch token: ${why}`);
}

/** The tokens the pod's volumes already hold, if every projection has one. */
async function tokensHeld(pod: Pod, paths: PodPaths): Promise<TokenLookup | undefined> {
  const held = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      const file = path.join(paths.volume("projected", v.name), t.path);
      const token = await fs.readFile(file, "utf8").catch(() => undefined);
      if (token) held.set(projectionKey({ audience: t.audience ?? "", expirationSeconds: t.expirationSeconds ?? 3600 }), token);
    }
  }
  const complete = tokenProjections(pod).every((p) => held.has(projectionKey(p)));
  return complete ? { get: (p) => held.get(projectionKey(p)) } : undefined;
}

/**
 * Fetches the pod's due tokens and rewrites every volume that projects one. Returns whether it
 * wrote anything; throws when no valid token could be had (the old files stay).
 */
export async function refreshTokenVolumes(pod: Pod, paths: PodPaths, source: PodTokenSource, data: VolumeDataLookup, facts: PodRuntimeFacts): Promise<boolean> {
  if (!source.due(pod)) return false;
  const tokens = await source.fetch(pod);
  const withTokens: Pod = { ...pod, spec: { ...pod.spec!, volumes: (pod.spec?.volumes ?? []).filter(projectsToken) } };
  for (const v of planVolumes(withTokens, paths, data, facts, tokens)) {
    if (v.kind === "files") await writeAtomically(v.path, v.files);
  }
  return true;
}
