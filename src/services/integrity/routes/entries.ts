import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LOG_ROLE_HEADER } from '../../../kernel/contracts/integrity.js';
import { SERVICE_NAMES } from '../../../kernel/services.js';
import { ReadonlyList } from '../../../kit/readonly-list.js';
import { integrityErrors } from '../errors.js';
import type { LogDeps } from '../log-deps.js';
import { appendEntry } from '../usecases/append-entry.js';
import { MAX_ENTRIES_PER_READ, readEntries, readEntry } from '../usecases/read-entries.js';
import { APPEND_ROLES, APPEND_SERVICES, READ_ROLES } from './route-roles.js';
import { Entry, Index, Receipt } from './route-schemas.js';

const TAGS = ['log'];

const AppendBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 128, description: 'Lower-case dotted event type' }),
    source: Type.Union(
      SERVICE_NAMES.map((name) => Type.Literal(name)),
      { description: 'The emitting service: must be the caller’s own (svc-<source>)' },
    ),
    payload: Type.Unknown({ description: 'Any JSON value' }),
    time: Type.Optional(
      Type.String({
        description:
          'YYYY-MM-DDTHH:MM:SS.sssZ, within ACGS_LOG_CLIENT_TIME_SKEW_MS of the log’s clock; the log’s clock when omitted',
      }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Idempotency key: a repeat returns the first receipt',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Appending and reading entries. */
export function registerEntryRoutes(server: FastifyInstance, deps: LogDeps, clientTimeSkewMs: number): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/log/entries',
    {
      config: { auth: { roles: APPEND_ROLES, services: APPEND_SERVICES } },
      schema: {
        tags: TAGS,
        summary: 'Append an entry; answers once it is durable (201, or 200 for a repeated key)',
        body: AppendBody,
        response: { 200: Receipt, 201: Receipt },
      },
    },
    async (request, reply) => {
      const { payload, ...rest } = request.body;
      // The guard admitted only service identities; an entry speaks for its writer alone.
      const service = request.principal!.service!;
      if (rest.source !== service) {
        throw integrityErrors.create(
          'LOG_SOURCE_MISMATCH',
          `svc-${service} writes entries of source ${service} only`,
          {
            errors: [
              { pointer: '/body/source', detail: `must be ${service}, the service your credential names` },
            ],
          },
        );
      }
      const outcome = await appendEntry(
        deps,
        { ...rest, payload: payload ?? null },
        { writer: `svc-${service}`, maxClockSkewMs: clientTimeSkewMs },
      );
      return reply
        .code(outcome.fresh ? 201 : 200)
        .header(LOG_ROLE_HEADER, deps.sequencer.isSequencer ? 'sequencer' : 'replica')
        .send({ index: outcome.index, leafHash: outcome.leafHash });
    },
  );

  app.get(
    '/api/v1/log/entries',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: `Entries with start ≤ index < end, at most ${MAX_ENTRIES_PER_READ}`,
        querystring: Type.Object(
          { start: Index, end: Type.Optional(Index) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: ReadonlyList(Entry) }) },
      },
    },
    async (request) => {
      const { start, end } = request.query;
      return { entries: await readEntries(deps, start, end ?? start + MAX_ENTRIES_PER_READ) };
    },
  );

  app.get(
    '/api/v1/log/entries/:index',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'One entry',
        params: Type.Object({ index: Index }),
        response: { 200: Entry },
      },
    },
    async (request) => readEntry(deps, request.params.index),
  );
}
