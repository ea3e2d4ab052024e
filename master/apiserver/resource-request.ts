// One HTTP request addressed to a resource, after routing and authentication: what the handlers
// of crud.ts, watch.ts and subresources.ts work from.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceType } from "../../api/resources";
import type { User } from "../auth/user";
import type { ApiContext } from "../registry/context";
import type { TokenAuthenticator } from "./token-review";

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** nodes/<name>/proxy/<path>: the path after proxy/ ("metrics"). */
  proxyPath?: string;
  ctx: ApiContext;
  /** Who asked (authenticated and authorized); the registry authorizes and admits writes as this user. */
  user: User;
  /** The master's token authenticator, for TokenReview (absent where no server runs, in tests). */
  tokens?: TokenAuthenticator;
}
