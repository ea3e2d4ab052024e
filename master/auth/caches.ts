// What authentication and authorization read on every master, kept current by watches so no
// request waits on etcd: bootstrap token Secrets (an informer on kube-system Secrets) and the
// node graph (pods by node and what they reference, from the shared pod informer). Started with
// the API, before it listens; stopped with it.

import type { KubeObject } from "../../api/object";
import { TOKEN_NAMESPACE } from "../../api/bootstrap/token";
import { findResource, storagePrefix } from "../../api/resources";
import type { ApiContext } from "../apiserver/context";
import { Informer } from "../cache/informer";
import { acquireInformer, type InformerLease } from "../cache/shared-informers";
import type { TokenSecretSource } from "./authenticate";
import { PodIndex } from "./node-graph";

const SECRETS = findResource("", "v1", "secrets")!;
const PODS = findResource("", "v1", "pods")!;

export class AuthCaches implements TokenSecretSource {
  readonly graph = new PodIndex();
  private readonly tokenSecrets: Informer;
  private podLease?: InformerLease;

  constructor(
    private readonly ctx: ApiContext,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
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
  }

  get(name: string): KubeObject | undefined {
    return this.tokenSecrets.get(`${TOKEN_NAMESPACE}/${name}`);
  }

  async stop(): Promise<void> {
    await this.tokenSecrets.stop();
    await this.podLease?.release();
    this.podLease = undefined;
  }
}
