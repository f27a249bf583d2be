/**
 * `acgs apikey create --account <name> --role <role...>` (prints the key once, on stdout),
 * `acgs apikey revoke <id-or-prefix>`, `acgs apikey list`.
 * A service's own credentials: `acgs apikey create --account svc-pgc --role service`, then
 * run the service with `ACGS_SERVICE_API_KEY=<key>` (docs/auth.md).
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { BoundAttribute, Role } from '../../kernel/roles.js';
import { createApiKey } from '../../services/auth/usecases/create-api-key.js';
import { listApiKeys } from '../../services/auth/usecases/list-api-keys.js';
import { revokeApiKey } from '../../services/auth/usecases/revoke-api-key.js';
import { withAuth } from './auth-command-context.js';
import { parseRole } from './user.js';

function positiveInteger(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--principal-attr trust_level=3`: the value as JSON when it parses as a scalar or list, else text. */
function collectAttribute(value: string, previous: Record<string, BoundAttribute> = {}) {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected name=value');
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // plain text
  }
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  if (!(scalar(parsed) || (Array.isArray(parsed) && parsed.every(scalar)))) parsed = raw;
  return { ...previous, [value.slice(0, eq)]: parsed as BoundAttribute };
}

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('manage API keys of service accounts');
  apikey
    .command('create')
    .description('create an API key (and its service account on first use); prints the key once')
    .requiredOption('-a, --account <name>', 'the service account')
    .requiredOption('-r, --role <role>', 'a role of the account (repeat for more)', parseRole)
    .option('-n, --name <name>', 'a label for the key')
    .option('-s, --scope <scope>', 'a scope (repeat for more)', collect)
    .option('--expires-days <days>', 'expire after this many days', positiveInteger)
    .option('--rate <perMinute>', 'requests per minute allowed', positiveInteger)
    .option('--principal-id <id>', 'the principal its decisions are about (default: the account name)')
    .option('--principal-type <type>', "that principal's type (default: agent)")
    .option('--principal-role <role>', 'a role of that principal in decision requests (repeat)', collect)
    .option(
      '--principal-attr <name=value>',
      'a fixed attribute (JSON value or text; repeat)',
      collectAttribute,
    )
    .option('--delegate', 'the account may speak for other principals (MCP gateway, ext_authz)')
    .action(
      async (options: {
        account: string;
        role: Role[];
        name?: string;
        scope?: string[];
        expiresDays?: number;
        rate?: number;
        principalId?: string;
        principalType?: string;
        principalRole?: string[];
        principalAttr?: Record<string, BoundAttribute>;
        delegate?: boolean;
      }) => {
        const principal = {
          ...(options.principalId ? { id: options.principalId } : {}),
          ...(options.principalType ? { type: options.principalType } : {}),
          ...(options.principalRole ? { roles: options.principalRole } : {}),
          ...(options.principalAttr ? { attrs: options.principalAttr } : {}),
        };
        const created = await withAuth((deps) =>
          createApiKey(deps, {
            account: options.account,
            roles: options.role,
            actor: 'cli',
            ...(options.name ? { name: options.name } : {}),
            ...(options.scope ? { scopes: options.scope } : {}),
            ...(options.expiresDays ? { expiresInDays: options.expiresDays } : {}),
            ...(options.rate ? { rateLimitPerMinute: options.rate } : {}),
            ...(Object.keys(principal).length > 0 ? { principal } : {}),
            ...(options.delegate ? { delegate: true } : {}),
          }),
        );
        process.stderr.write(
          `created API key ${created.id} (prefix ${created.prefix}) for ${created.account} with roles ${created.roles.join(', ')}; it is shown once:\n`,
        );
        process.stdout.write(`${created.key}\n`);
      },
    );
  apikey
    .command('revoke')
    .description('revoke an API key by id or prefix')
    .argument('<key>')
    .action(async (key: string) => {
      await withAuth((deps) => revokeApiKey(deps, key, 'cli'));
      process.stderr.write(`revoked API key ${key}\n`);
    });
  apikey
    .command('list')
    .description('list API keys (never the keys themselves)')
    .action(async () => {
      const keys = await withAuth((deps) => listApiKeys(deps));
      for (const k of keys) {
        const state = k.revokedAt
          ? 'revoked'
          : k.expiresAt && Date.parse(k.expiresAt) < Date.now()
            ? 'expired'
            : 'active';
        process.stdout.write(`${k.id}\t${k.prefix}\t${k.account}\t${k.roles.join(',')}\t${state}\n`);
      }
    });
}
