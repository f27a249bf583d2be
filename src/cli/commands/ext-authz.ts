/**
 * `acgs ext-authz --mapping <file>`: the external authorization endpoint for Envoy/Istio
 * `ext_authz` and NGINX `auth_request` (docs/ext-authz.md). Its API key (`ACGS_API_KEY`, never on
 * the command line) needs the delegate permission: it decides for the principals the mapping names.
 */
import { createServer } from 'node:http';
import type { Command } from 'commander';
import { AcgsClient } from '../../../packages/acgs-client/src/index.js';
import { createAuthzHandler } from '../../integrations/ext-authz/authz-server.js';
import { loadHttpAuthzMapping } from '../../integrations/ext-authz/http-authz-mapping.js';
import { listenUntilSignal, loadOrExplain } from '../../integrations/listen-until-signal.js';
import { fetchVocabulary } from '../../integrations/platform-vocabulary.js';

interface ExtAuthzOptions {
  mapping: string;
  url: string;
  host: string;
  port: string;
  pathPrefix: string;
  reviewWait: string;
}

export function registerExtAuthzCommand(program: Command): void {
  program
    .command('ext-authz')
    .description('HTTP external authorization for Envoy/Istio ext_authz and NGINX auth_request')
    .requiredOption('-m, --mapping <file>', 'the mapping file (HTTP request → decision request)')
    .option('--url <url>', 'the platform', process.env.ACGS_URL ?? 'http://127.0.0.1:8080')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', '9191')
    .option('--path-prefix <prefix>', "Envoy's path_prefix / Istio's pathPrefix", '')
    .option('--review-wait <seconds>', 'how long `review: wait` holds a request', '60')
    .action(async (options: ExtAuthzOptions) => {
      const apiKey = process.env.ACGS_API_KEY;
      if (apiKey === undefined || apiKey === '') {
        process.stderr.write('acgs ext-authz: set ACGS_API_KEY (a key with the delegate permission)\n');
        process.exitCode = 2;
        return;
      }
      const client = new AcgsClient({ url: options.url, apiKey, retries: 1, timeoutMs: 5000 });
      const vocabulary = await fetchVocabulary(client);
      const mapping = loadOrExplain(() => loadHttpAuthzMapping(options.mapping, vocabulary), 'ext-authz');
      if (mapping === undefined) return;
      const server = createServer(
        createAuthzHandler({
          mapping,
          client,
          pathPrefix: options.pathPrefix,
          reviewWaitMs: Number(options.reviewWait) * 1000,
        }),
      );
      await listenUntilSignal(server, options.host, Number(options.port), 'ext-authz');
    });
}
