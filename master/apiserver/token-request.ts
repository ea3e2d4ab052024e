// `POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`: an authentication.k8s.io/v1
// TokenRequest in, the same with `status.token` and `status.expirationTimestamp` out (201), as
// kube-apiserver's TokenREST does. `kubectl create token <sa> [--duration] [--audience]
// [--bound-object-kind Pod|Secret --bound-object-name …]` sends it. Nothing is stored.
//
// The body's checks are api/serviceaccounts/token-request.ts; here the account and the bound
// object are looked up: a pod must run as this account (400 otherwise), a uid in the reference
// must be the object's (409: it was deleted and made again).

import { ApiError, errors } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { readTokenRequest, TOKEN_REQUEST_API_VERSION, type BoundObjectRef } from "../../api/serviceaccounts/token-request";
import { formatTimestamp } from "../../api/lifecycle/context";
import { tokenMinterOf } from "../serviceaccounts/token-minter";
import { readObjectBody } from "./body";
import type { ResourceRequest } from "./resource-request";
import { sendJson } from "./http-io";

const PODS = findResource("", "v1", "pods")!;
const SECRETS = findResource("", "v1", "secrets")!;
const NODES = findResource("", "v1", "nodes")!;

export async function createToken(rr: ResourceRequest): Promise<void> {
  const minter = tokenMinterOf(rr.ctx);
  if (!minter) throw errors.unavailable("this API server does not issue service-account tokens");
  const namespace = rr.namespace!;
  const name = rr.name!;
  const body = (await readObjectBody(rr.req)) as Record<string, unknown>;
  const spec = readTokenRequest(body, { namespace, name }, { apiAudiences: minter.issuer.apiAudiences, maxExpirationSeconds: minter.maxExpirationSeconds });
  const serviceAccount = await rr.ctx.storeFor(rr.resource).get(namespace, name);
  const bound = spec.boundObjectRef && (await boundObject(rr, namespace, name, spec.boundObjectRef));

  const now = rr.ctx.clock.now();
  const minted = await minter.mint({ serviceAccount, ...bound, audiences: spec.audiences, expirationSeconds: spec.expirationSeconds });
  if (spec.warning) rr.res.setHeader("Warning", `299 - ${JSON.stringify(spec.warning)}`);
  sendJson(rr.res, 201, {
    kind: "TokenRequest",
    apiVersion: TOKEN_REQUEST_API_VERSION,
    metadata: { name, namespace, creationTimestamp: formatTimestamp(now) },
    spec: { audiences: spec.audiences, expirationSeconds: minted.expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token: minted.token, expirationTimestamp: minted.expirationTimestamp },
  });
}

async function boundObject(rr: ResourceRequest, namespace: string, account: string, ref: BoundObjectRef): Promise<{ pod?: KubeObject; secret?: KubeObject; node?: KubeObject }> {
  const resource = ref.kind === "Pod" ? PODS : SECRETS;
  const obj = await rr.ctx.storeFor(resource).get(namespace, ref.name);
  if (ref.uid && obj.metadata.uid !== ref.uid) {
    throw new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      { name: ref.name, kind: ref.kind },
    );
  }
  if (ref.kind === "Secret") return { secret: obj };
  const spec = (obj.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
  if ((spec.serviceAccountName || "default") !== account) {
    throw errors.badRequest(`cannot bind token for serviceaccount "${account}" to pod running with different serviceaccount name.`);
  }
  const node = spec.nodeName ? await rr.ctx.storeFor(NODES).get(undefined, spec.nodeName).catch(() => undefined) : undefined;
  return { pod: obj, ...(node ? { node } : {}) };
}
