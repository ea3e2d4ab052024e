// What authentication and authorization read on every master, kept current by watches so no
// request waits on etcd: bootstrap token Secrets (an informer on kube-system Secrets), the node
// graph (pods by node and what they reference, from the shared pod informer), and the objects a
// service-account token names (ServiceAccounts and pods from shared informers, falling back to
// the store for one not cached yet, as upstream's token getter does). Started with the API,
// before it listens; stopped with it.

import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { TOKEN_NAMESPACE } from "../../api/bootstrap/token";
import { findResource, storagePrefix } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import { Informer } from "../cache/informer";
import { acquireInformer, type InformerLease } from "../cache/shared-informers";
import type { TokenSecretSource } from "./authenticate";
import type { PodIndex } from "./node-graph";
import type { ServiceAccountObjects } from "./service-account-authenticator";

const SECRETS = findResource("", "v1", "secrets")!;
const PODS = findResource("", "v1", "pods")!;
const SERVICE_ACCOUNTS = findResource("", "v1", "serviceaccounts")!;

export class AuthCaches implements TokenSecretSource, ServiceAccountObjects {
  /** The node graph the Node authorizer reads: the context's own, fed from here. */
  readonly graph: PodIndex;
  private readonly tokenSecrets: Informer;
  private podLease?: InformerLease;
  private accountLease?: InformerLease;

  constructor(
    private readonly ctx: ApiContext,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    this.graph = ctx.nodeGraph;
    this.tokenSecrets = new Informer(ctx.store, storagePrefix(SECRETS, TOKEN_NAMESPACE), (err) => onError("bootstrap token Secrets: watch failed; relisting", err));
  }

  async start(): Promise<void> {
    await this.tokenSecrets.start();
    this.podLease = await acquireInformer(
      this.ctx,
      PODS,
      {
        add: (pod: KubeObject) => this.graph.put(pod),
        update: (_old: KubeObject, pod: KubeObject) => this.graph.put(pod),
        delete: (pod: KubeObject) => this.graph.delete(pod),
      },
      { replay: true, onError: (err) => this.onError("node graph: pod watch failed; relisting", err) },
    );
    this.accountLease = await acquireInformer(this.ctx, SERVICE_ACCOUNTS, {}, { onError: (err) => this.onError("service accounts: watch failed; relisting", err) });
  }

  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.cachedOrStored(this.accountLease, SERVICE_ACCOUNTS, namespace, name);
  }

  pod(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.cachedOrStored(this.podLease, PODS, namespace, name);
  }

  /** Secrets outside kube-system are not cached here; tokens bound to one are rare. */
  secret(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.cachedOrStored(undefined, SECRETS, namespace, name);
  }

  /** The cached object, else the store's (just created, not cached yet), else undefined. */
  private async cachedOrStored(lease: InformerLease | undefined, resource: typeof PODS, namespace: string, name: string): Promise<KubeObject | undefined> {
    const cached = lease?.get(`${namespace}/${name}`);
    if (cached) return cached;
    try {
      return await this.ctx.storeFor(resource).get(namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  get(name: string): KubeObject | undefined {
    return this.tokenSecrets.get(`${TOKEN_NAMESPACE}/${name}`);
  }

  async stop(): Promise<void> {
    await this.tokenSecrets.stop();
    await this.podLease?.release();
    await this.accountLease?.release();
    this.podLease = undefined;
    this.accountLease = undefined;
  }
}
