/**
 * `acgs user create <username> --role <role...>`, `acgs user list`, `acgs user disable <user>`,
 * `acgs user unlock <user>`.
 * A new user's password comes from stdin (`--password-stdin`) or is generated and printed once.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { ROLES, type Role } from '../../kernel/roles.js';
import { newPassword } from '../../services/auth/secret-tokens.js';
import { createUser } from '../../services/auth/usecases/create-user.js';
import { disableUser } from '../../services/auth/usecases/disable-user.js';
import { listUsers } from '../../services/auth/usecases/list-users.js';
import { unlockUser } from '../../services/auth/usecases/unlock-user.js';
import { withAuth } from './auth-command-context.js';

export function parseRole(value: string, previous: Role[] = []): Role[] {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`unknown role "${value}"; expected one of ${ROLES.join(', ')}`);
  return [...previous, value as Role];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage users (works on the database DATABASE_URL names)');
  user
    .command('create')
    .description('create a user; prints a generated password once unless --password-stdin')
    .argument('<username>')
    .requiredOption('-r, --role <role>', `a role (repeat for more): ${ROLES.join(', ')}`, parseRole)
    .option('-e, --email <email>')
    .option('--password-stdin', 'read the password from stdin (at least 12 characters)')
    .action(async (username: string, options: { role: Role[]; email?: string; passwordStdin?: boolean }) => {
      const password = options.passwordStdin ? await readStdin() : newPassword();
      if (password.length < 12) {
        process.stderr.write(
          `acgs user create: the password needs at least 12 characters (got ${password.length}); nothing was created\n`,
        );
        process.exitCode = 2;
        return;
      }
      const created = await withAuth((deps) =>
        createUser(deps, {
          username,
          roles: options.role,
          password,
          actor: 'cli',
          ...(options.email ? { email: options.email } : {}),
        }),
      );
      process.stderr.write(
        `created user ${created.username} (${created.id}) with roles ${created.roles.join(', ')}\n`,
      );
      if (!options.passwordStdin) process.stdout.write(`${password}\n`);
    });
  user
    .command('list')
    .description('list users and service accounts')
    .option('--json', 'JSON output')
    .action(async (options: { json?: boolean }) => {
      const users = await withAuth((deps) => listUsers(deps));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
        return;
      }
      for (const u of users) {
        const state = u.disabled ? 'disabled' : 'active';
        process.stdout.write(`${u.username}\t${u.kind}\t${u.roles.join(',')}\t${state}\t${u.id}\n`);
      }
    });
  user
    .command('disable')
    .description('disable a user or service account (by name or id); its sessions are revoked')
    .argument('<user>')
    .action(async (who: string) => {
      const disabled = await withAuth((deps) => disableUser(deps, who, 'cli'));
      process.stderr.write(`disabled ${disabled.username} (${disabled.id})\n`);
    });
  user
    .command('unlock')
    .description(
      'lift every login lock of a user, from every address (on the cache REDIS_URL names; for an embedded platform use POST /api/v1/auth/users/<user>/unlock)',
    )
    .argument('<user>')
    .action(async (who: string) => {
      const unlocked = await withAuth((deps) => unlockUser(deps, who, 'cli'));
      process.stderr.write(`unlocked ${unlocked.username}\n`);
    });
}
