// The leader's answer to an agent's ServiceAccountTokenRequest (proto/agent.proto): a token for a
// serviceAccountToken projection of one of the node's pods, bound to that pod and naming the
// node, as the kubelet gets from TokenRequest with boundObjectRef = its pod. A node gets tokens
// only for pods bound to it, only for an audience and lifetime one of their projections asks
// for, and only for the account the pod runs as — so a node can never obtain a token for
// anything it does not run.
//
// Why over the session rather than the API (the kubelet's way): the agent needs no API
// credentials for it (agents without a kubeconfig run such pods too), the leader already knows
// which pods each node runs, and the token goes down the stream that carries the pod's other
// volume data, to that node only.

import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import { ServiceAccountToken, type ServiceAccountTokenRequest } from "../../proto/gen/agent";
import type { ApiContext } from "../registry/context";
import { tokenMinterOf } from "../serviceaccounts/token-minter";

const SERVICE_ACCOUNTS = findResource("", "v1", "serviceaccounts")!;

export interface TokenRequestSources {
  ctx: ApiContext;
  /** The cached pod with this uid. */
  pod(uid: string): KubeObject | undefined;
  /** The cached Node. */
  node(name: string): KubeObject | undefined;
}

interface Projection {
  serviceAccountToken?: { audience?: string; expirationSeconds?: number };
}

/** Whether one of the pod's projected volumes asks for a token of this audience and lifetime. */
export function projectsToken(pod: KubeObject, audience: string, expirationSeconds: number): boolean {
  const volumes = ((pod.spec ?? {}) as { volumes?: { projected?: { sources?: Projection[] } }[] }).volumes ?? [];
  return volumes.some((v) =>
    (v.projected?.sources ?? []).some((s) => s.serviceAccountToken && (s.serviceAccountToken.audience ?? "") === audience && (s.serviceAccountToken.expirationSeconds ?? 3600) === expirationSeconds),
  );
}

export async function answerTokenRequest(src: TokenRequestSources, nodeName: string, req: ServiceAccountTokenRequest): Promise<ServiceAccountToken> {
  const refuse = (error: string) => ServiceAccountToken.fromPartial({ requestId: req.requestId, podUid: req.podUid, error });
  const minter = tokenMinterOf(src.ctx);
  if (!minter) return refuse("this master issues no service-account tokens");
  const pod = src.pod(req.podUid);
  const spec = (pod?.spec ?? {}) as { nodeName?: string; serviceAccountName?: string };
  if (!pod || spec.nodeName !== nodeName) return refuse(`pod ${req.podUid} is not bound to node ${nodeName}`);
  const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (!projectsToken(pod, req.audience, req.expirationSeconds)) {
    return refuse(`pod ${podName} projects no service-account token for audience ${JSON.stringify(req.audience)} lasting ${req.expirationSeconds} s`);
  }
  const accountName = spec.serviceAccountName || "default";
  let serviceAccount: KubeObject;
  try {
    serviceAccount = await src.ctx.storeFor(SERVICE_ACCOUNTS).get(pod.metadata.namespace, accountName);
  } catch (err) {
    return refuse(`service account ${pod.metadata.namespace}/${accountName} of pod ${podName}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const node = src.node(nodeName);
  const minted = await minter.mint({
    serviceAccount,
    pod,
    ...(node ? { node } : {}),
    audiences: req.audience ? [req.audience] : minter.issuer.apiAudiences,
    expirationSeconds: req.expirationSeconds,
  });
  return ServiceAccountToken.fromPartial({ requestId: req.requestId, podUid: req.podUid, ...minted });
}
