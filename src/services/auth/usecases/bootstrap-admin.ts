import type { AuthDeps } from '../auth-deps.js';
import { newPassword } from '../secret-tokens.js';
import { isUniqueViolation } from '../store.js';
import { createUser } from './create-user.js';

/**
 * First start: when no admin exists, creates one with `ACGS_ADMIN_PASSWORD`, or with a generated
 * password that is written once to `reveal` (stderr) and never logged. Replicas starting together
 * race on the unique name; the loser finds the winner's admin.
 */
export async function bootstrapAdmin(deps: AuthDeps, reveal: (text: string) => void): Promise<boolean> {
  if ((await deps.store.countAdmins()) > 0) return false;
  const generated = deps.settings.adminPassword === undefined;
  const password = deps.settings.adminPassword ?? newPassword();
  try {
    await createUser(deps, {
      username: deps.settings.adminUsername,
      password,
      roles: ['admin'],
      actor: 'bootstrap',
    });
  } catch (error) {
    if (isUniqueViolation(error) || (error as { code?: string }).code === 'AUTH_USER_EXISTS') return false;
    throw error;
  }
  if (generated) {
    reveal(
      `\nACGS created the first admin account.\n  user:     ${deps.settings.adminUsername}\n  password: ${password}\nIt is shown this once; store it now (or set ACGS_ADMIN_PASSWORD before the first start).\n\n`,
    );
  }
  deps.logger.info({ username: deps.settings.adminUsername, generated }, 'first admin account created');
  return true;
}
