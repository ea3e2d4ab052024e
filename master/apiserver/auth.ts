// Authentication: a client certificate signed by the cluster CA, or a bearer token from the
// master's token file. Everything else is anonymous and gets 401 on the API.

import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export interface User {
  name: string;
  groups: string[];
}

export class Authenticator {
  constructor(private readonly tokens: ReadonlyMap<string, User>) {}

  authenticate(req: IncomingMessage): User | undefined {
    const header = req.headers.authorization;
    if (header?.startsWith("Bearer ")) {
      return this.tokens.get(header.slice("Bearer ".length).trim());
    }
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === "function" && socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert.subject?.CN;
      if (typeof cn === "string" && cn !== "") {
        const o = cert.subject.O;
        return { name: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
      }
    }
    return undefined;
  }
}

/** Paths that answer without credentials: health checks for load balancers and `make up`. */
export function isPublicPath(pathname: string): boolean {
  return pathname === "/healthz" || pathname === "/livez" || pathname === "/readyz" || pathname === "/version";
}
