// The bootstrap signer (kubeadm's bootstrapsigner): keeps kube-public/cluster-info signed by
// every signing bootstrap token (cluster-info-core.ts), so a joining host can check what it reads
// with nothing but its token. Creates the ConfigMap, with this master's API address and the
// cluster CA, when it does not exist yet (`gantry init`'s cluster, or a master started alone).

import { CLUSTER_INFO_NAME, CLUSTER_INFO_NAMESPACE, KUBECONFIG_KEY, renderClusterInfoKubeconfig } from "../../api/bootstrap/cluster-info";
import { signDetached } from "../../api/bootstrap/jws";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "../controllers/controller-base";
import { leaderComponent } from "../controllers/controller-utils";
import { SECRETS } from "./cleaner";
import { nextExpiry, sameData, signingTokens, withSignatures } from "./cluster-info-core";
import { isTokenSecret, tokenRecords } from "./token-secrets";

const CONFIGMAPS = findResource("", "v1", "configmaps")!;
const KEY = `${CLUSTER_INFO_NAMESPACE}/${CLUSTER_INFO_NAME}`;

export interface ClusterInfoSignerOptions extends ControllerOptions {
  /** What a new cluster-info publishes; without it the signer only signs an existing one. */
  publish?: { server: string; caPem: string };
}

export class ClusterInfoSigner extends Controller {
  private readonly configMaps = this.clientOf(CONFIGMAPS);
  private secretLease?: InformerLease;
  private configMapLease?: InformerLease;

  constructor(
    ctx: ApiContext,
    private readonly o: ClusterInfoSignerOptions = {},
  ) {
    super(ctx, o, { name: "bootstrap-signer", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    const onSecret = (s: KubeObject) => {
      if (isTokenSecret(s)) this.queue.add(KEY);
    };
    this.secretLease = await this.lease(SECRETS, { add: onSecret, update: (_o, s) => onSecret(s), delete: onSecret });
    const onConfigMap = (c: KubeObject) => {
      if (c.metadata.namespace === CLUSTER_INFO_NAMESPACE && c.metadata.name === CLUSTER_INFO_NAME) this.queue.add(KEY);
    };
    this.configMapLease = await this.lease(CONFIGMAPS, { add: onConfigMap, update: (_o, c) => onConfigMap(c), delete: onConfigMap });
  }

  enqueueAll(): void {
    this.queue.add(KEY);
  }

  async sync(): Promise<void> {
    const cm = this.configMapLease?.get(KEY);
    if (!cm) return this.create();
    const data = (cm.data ?? {}) as Record<string, string>;
    const kubeconfig = data[KUBECONFIG_KEY];
    if (typeof kubeconfig !== "string") return;
    const now = this.ctx.clock.now();
    const records = tokenRecords(this.secretLease?.list("kube-system") ?? []);
    const tokens = signingTokens(records, now);
    const signatures = new Map<string, string>();
    for (const t of tokens) signatures.set(t.id, await signDetached(kubeconfig, t));
    const wanted = withSignatures(data, signatures);
    if (!sameData(wanted, data)) {
      // Compare-and-swap against what this pass read; a newer cluster-info gets a fresh pass.
      await this.configMaps.replace({ ...cm, data: wanted });
      this.log(`bootstrap-signer: cluster-info signed by ${tokens.length} token(s)`);
    }
    const expiry = nextExpiry(tokens, now);
    if (expiry !== undefined) this.queue.addAfter(KEY, expiry - now.getTime() + 1);
  }

  private async create(): Promise<void> {
    if (!this.o.publish) return;
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: CLUSTER_INFO_NAME, namespace: CLUSTER_INFO_NAMESPACE },
      data: { [KUBECONFIG_KEY]: renderClusterInfoKubeconfig(this.o.publish.server, this.o.publish.caPem) },
    };
    try {
      await this.configMaps.create(cm);
      this.log(`bootstrap-signer: created ${KEY} for ${this.o.publish.server}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) throw err;
    }
  }
}

export function clusterInfoSignerComponent(deps: ComponentDeps): LeaderComponent {
  const server = deps.settings?.clusterInfoServer;
  const publish = server && deps.ca ? { server, caPem: deps.ca.caCert } : undefined;
  return leaderComponent("bootstrap-signer", deps, (d) => new ClusterInfoSigner(d.ctx, { publish, log: (msg, err) => (err ? d.log.warn({ err }, msg) : d.log.info(msg)) }));
}
