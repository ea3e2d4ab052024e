// For tests: a user the authorization chain lets do everything (system:masters), for tests that
// set objects up through the registry without being about who may write them.

import { AUTHENTICATED_GROUP, MASTERS_GROUP, type User } from "../auth/user";

export const TEST_ADMIN: User = { name: "test-admin", groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };
