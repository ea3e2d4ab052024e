// The HTTPS listener of the Kubernetes API: TLS with the cluster's serving certificate, then for
// every request (and every streaming upgrade, streaming/upgrade.ts) one access check —
// authentication (master/auth/authenticate.ts), then the authorization chain
// (master/auth/authorize.ts) — then the router with the request's user.

import { constants } from "node:crypto";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { errors } from "../../api/errors";
import { Authenticator } from "../auth/authenticate";
import { checkAuthorized } from "../auth/access";
import { asksImpersonation, impersonate, readImpersonation } from "../auth/impersonation";
import { AuthCaches } from "../auth/caches";
import { rulesFor as rbacRulesFor } from "../../api/rbac/authorizer";
import { RbacCache } from "../auth/rbac-cache";
import { ServiceAccountAuthenticator } from "../auth/service-account-authenticator";
import type { TokenIssuer } from "../auth/token-issuer";
import { MASTERS_GROUP, type User } from "../auth/user";
import type { ApiContext } from "../registry/context";
import { sendError } from "./http-io";
import { requestAttributes } from "./request-attributes";
import { route, type RouterExtras } from "./router";
import { enableServiceAccountAdmission } from "../registry/service-account-admission";

export interface ApiServerOptions {
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string; caPem: string };
  /** Static bearer tokens (<data-dir>/tokens.json). */
  tokens: ReadonlyMap<string, User>;
  /** Signs and verifies service-account tokens; without it JWT bearer tokens are refused. */
  serviceAccountIssuer?: TokenIssuer;
  /** Where denials and cache failures are reported. */
  log?: (msg: string, err?: unknown) => void;
}

export class ApiServer {
  private readonly server: https.Server;
  private readonly authenticator: Authenticator;
  private readonly caches: AuthCaches;
  private readonly rbac: RbacCache;
  private disableAdmission?: () => void;

  constructor(
    private readonly options: ApiServerOptions,
    private readonly ctx: ApiContext,
    extras: RouterExtras,
  ) {
    this.caches = new AuthCaches(ctx, (what, err) => options.log?.(what, err));
    this.rbac = new RbacCache(ctx, (what, err) => options.log?.(`RBAC cache: ${what}`, err));
    const clock = () => ctx.clock.now();
    const serviceAccounts = options.serviceAccountIssuer && new ServiceAccountAuthenticator(options.serviceAccountIssuer, this.caches, clock);
    this.authenticator = new Authenticator(options.tokens, this.caches, clock, serviceAccounts);
    const routerExtras: RouterExtras = { ...extras, tokens: this.authenticator };
    this.server = https.createServer(
      {
        cert: options.tls.certPem,
        key: options.tls.keyPem,
        ca: options.tls.caPem,
        // Ask for a client certificate but let the request through without one: bearer tokens
        // and anonymous requests still reach the access check, which decides.
        requestCert: true,
        rejectUnauthorized: false,
        // Like Go's crypto/tls server (and so Kubernetes), refuse TLS 1.2 renegotiation: a
        // connection keeps the client certificate it was opened with, which lets the
        // Authenticator remember the identity per connection.
        secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
      },
      (req, res) => {
        // Counted when the response closes; the router says what the request addressed.
        const record = ctx.metrics.requests.begin(req.method ?? "GET", res);
        void this.access(req).then(
          (user) => route(ctx, routerExtras, req, res, user, record),
          (err: unknown) => {
            req.resume();
            sendError(res, err);
          },
        );
      },
    );
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    // Watches are long-lived; no request timeout.
    this.server.requestTimeout = 0;
  }

  /** The raw server, for protocol upgrades (exec/attach WebSockets) added by other modules. */
  get httpsServer(): https.Server {
    return this.server;
  }

  /**
   * Authenticates `req`, applies its Impersonate-* headers (master/auth/impersonation.ts) and
   * authorizes it as the user it acts as; returns that user or throws the Status to answer: 401
   * for bad credentials and for anonymous requests authorization refuses, 403 (Kubernetes'
   * wording) for authenticated ones and for impersonation the requester may not do, 400 for
   * impersonation headers without a user. `verb` overrides the verb derived from the method.
   */
  async access(req: IncomingMessage, verb?: string): Promise<User> {
    const auth = await this.authenticator.authenticate(req);
    if ("error" in auth) {
      if (auth.error !== "invalid bearer token") this.options.log?.(`authentication failed: ${auth.error}`);
      throw errors.unauthorized();
    }
    const wanted = asksImpersonation(req.headers) ? readImpersonation(req.headersDistinct) : undefined;
    const user = wanted ? impersonate(auth.user, wanted, this.ctx.authorizer) : auth.user;
    // The chain's first rule, without building the attributes: the admin's requests stay cheap.
    if (user.groups.includes(MASTERS_GROUP)) return user;
    const url = new URL(req.url ?? "/", "https://gantry.invalid");
    // The same authorizer the registry asks again for each write (master/registry/registry.ts):
    // refusing here answers before the body is read, and covers reads and non-resource paths.
    checkAuthorized(this.ctx.authorizer, requestAttributes(req, url, user, verb));
    return user;
  }

  /** Fills the caches authorization reads, then listens. */
  async listen(): Promise<number> {
    await this.caches.start();
    // From here on RBAC decides for everyone the chain's earlier rules do not (master/auth/authorize.ts).
    await this.rbac.start();
    this.ctx.rbac = this.rbac;
    // `kubectl auth can-i --list`: what RBAC grants the caller in the namespace.
    this.ctx.rules = { rulesFor: (user, namespace) => rbacRulesFor(user, namespace, this.rbac) };
    // The ServiceAccount admission plugin reads the accounts from the same cache.
    this.disableAdmission = enableServiceAccountAdmission(this.ctx, this.caches);
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.disableAdmission?.();
    await this.rbac.stop();
    await this.caches.stop();
  }
}
