// Test double for a Docker token service (the "realm" of a Bearer challenge). It issues real
// ES256 JWTs that Debian's docker-registry verifies: the signing key's self-signed
// certificate (made with openssl) is both the registry's rootcertbundle and the token's x5c.
//
//   GET /token?service=<svc>&scope=repository:<name>:pull[,push]   (optional Basic auth)
//   -> 200 {"token": "<jwt>", "expires_in": 300}
//   -> 401 if `users` is set and the credentials are missing or wrong (anonymous refused)

import { execFile } from "node:child_process";
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import { createServer, type Server } from "node:http";
import * as os from "node:os";
import * as path from "node:path";

export interface TokenRequest {
  service: string | null;
  scope: string | null;
  user?: string;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate for the registry's rootcertbundle. */
  certFile: string;
  requests: TokenRequest[];
  /** Change who may log in (undefined: anonymous allowed). */
  setUsers(users: Record<string, string> | undefined): void;
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** username → password. When set, anonymous requests get 401. */
  users?: Record<string, string>;
}

function base64url(b: Buffer | string): string {
  return Buffer.from(b).toString("base64url");
}

function jwt(key: KeyObject, certDer: Buffer, claims: object): string {
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "ES256", x5c: [certDer.toString("base64")] }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${base64url(signature)}`;
}

function access(scope: string | null): object[] {
  if (!scope) return [];
  return scope.split(" ").flatMap((s) => {
    const m = /^([a-z]+):(.+):([a-z*,]+)$/.exec(s);
    return m ? [{ type: m[1], name: m[2], actions: m[3].split(",") }] : [];
  });
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-token-"));
  let server: Server | undefined;
  const stop = async () => {
    if (server?.listening) await new Promise<void>((resolve) => server?.close(() => resolve()));
    server?.closeAllConnections();
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const keyFile = path.join(dir, "token.key");
    const certFile = path.join(dir, "token.crt");
    await new Promise<void>((resolve, reject) =>
      execFile(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=gantry-test-token-issuer"],
        (err, _o, stderr) => (err ? reject(new Error(`openssl: ${stderr}`)) : resolve()),
      ),
    );
    const key = createPrivateKey(await fs.readFile(keyFile));
    const certDer = new X509Certificate(await fs.readFile(certFile)).raw;
    const service = "gantry-test-registry";
    const issuer = "gantry-test-token-issuer";
    const requests: TokenRequest[] = [];
    let users = opts.users;

    const srv = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname !== "/token") {
        res.writeHead(404).end();
        return;
      }
      const m = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
      const [user, pass] = m ? Buffer.from(m[1], "base64").toString().split(/:(.*)/s) : [];
      const entry: TokenRequest = { service: url.searchParams.get("service"), scope: url.searchParams.get("scope") };
      if (user !== undefined) entry.user = user;
      requests.push(entry);
      if (users && (user === undefined || users[user] !== pass)) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "invalid username or password" }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(key, certDer, {
        iss: issuer,
        sub: user ?? "",
        aud: entry.service ?? service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString("hex"),
        access: access(entry.scope),
      });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
    });
    server = srv;
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    const addr = srv.address();
    if (typeof addr !== "object" || !addr) throw new Error("token server has no address");
    const setUsers = (u: Record<string, string> | undefined) => {
      users = u;
    };
    return { realm: `http://127.0.0.1:${addr.port}/token`, service, issuer, certFile, requests, setUsers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
