import type { AuthDeps } from '../auth-deps.js';
import { type ApiKeyView, apiKeyView } from './create-api-key.js';

export async function listApiKeys(deps: AuthDeps): Promise<ApiKeyView[]> {
  const accounts = new Map((await deps.store.listUsers()).map((user) => [user.id, user]));
  return (await deps.store.listApiKeys()).map((key) => {
    const account = accounts.get(key.accountId);
    return apiKeyView(key, account?.username ?? key.accountId, account?.roles ?? []);
  });
}
