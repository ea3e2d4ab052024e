// The HTTPS listener of the Kubernetes API: TLS with the cluster's serving certificate,
// optional client-certificate authentication, bearer tokens, then the router.

import { constants } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { errors } from "../../api/errors";
import { Authenticator, isPublicPath, type User } from "./auth";
import type { ApiContext } from "./context";
import { sendError } from "./http-io";
import { route, type RouterExtras } from "./router";

export interface ApiServerOptions {
  host: string;
  port: number;
  tls: { certPem: string; keyPem: string; caPem: string };
  tokens: ReadonlyMap<string, User>;
}

export class ApiServer {
  private readonly server: https.Server;
  private readonly authenticator: Authenticator;

  constructor(
    private readonly options: ApiServerOptions,
    ctx: ApiContext,
    extras: RouterExtras,
  ) {
    this.authenticator = new Authenticator(options.tokens);
    this.server = https.createServer(
      {
        cert: options.tls.certPem,
        key: options.tls.keyPem,
        ca: options.tls.caPem,
        // Ask for a client certificate but let the request through without one: bearer tokens
        // and the public health paths still work; Authenticator decides.
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
        const pathname = (req.url ?? "/").split("?")[0];
        if (!isPublicPath(pathname) && !this.authenticator.authenticate(req)) {
          req.resume();
          sendError(res, errors.unauthorized());
          return;
        }
        void route(ctx, extras, req, res, record);
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

  authenticate(req: Parameters<Authenticator["authenticate"]>[0]): User | undefined {
    return this.authenticator.authenticate(req);
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
