// Authentication: a client certificate signed by the cluster CA, or a bearer token from the
// master's token file. Everything else is anonymous and gets 401 on the API.

import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export interface User {
  name: string;
  groups: string[];
}

export class Authenticator {
  /**
   * The client-certificate identity of each TLS connection, worked out on its first request:
   * getPeerCertificate() builds the whole certificate (fingerprints included) on every call,
   * which was a large share of a small request's cost. A connection's certificate cannot
   * change, since the server refuses TLS renegotiation (see server.ts). null: no usable one.
   */
  private readonly certUsers = new WeakMap<TLSSocket, User | null>();

  constructor(private readonly tokens: ReadonlyMap<string, User>) {}

  authenticate(req: IncomingMessage): User | undefined {
    const header = req.headers.authorization;
    if (header?.startsWith("Bearer ")) {
      return this.tokens.get(header.slice("Bearer ".length).trim());
    }
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== "function") return undefined;
    let user = this.certUsers.get(socket);
    if (user === undefined) {
      user = certificateUser(socket);
      this.certUsers.set(socket, user);
    }
    return user === null ? undefined : { name: user.name, groups: [...user.groups] };
  }
}

function certificateUser(socket: TLSSocket): User | null {
  if (!socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  const cn = cert.subject?.CN;
  if (typeof cn !== "string" || cn === "") return null;
  const o = cert.subject.O;
  return { name: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** Paths that answer without credentials: health checks for load balancers and `make up`. */
export function isPublicPath(pathname: string): boolean {
  return pathname === "/healthz" || pathname === "/livez" || pathname === "/readyz" || pathname === "/version";
}
