import type { AuthDeps } from '../auth-deps.js';
import { type UserView, userView } from './create-user.js';

export async function listUsers(deps: AuthDeps): Promise<UserView[]> {
  return (await deps.store.listUsers()).map(userView);
}
