import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { Role } from '../../../kernel/roles.js';
import { MAX_QUERY_TIMEOUT_MS } from '../local-verifier.js';
import type { VerificationJobs } from '../usecases/verification-jobs.js';
import { MAX_POLICIES } from '../verification-model.js';

const TAGS = ['verification'];
/** Who may ask for reports: policy authors, admins, auditors, council members, services. */
export const VERIFY_ROLES: readonly Role[] = [
  'policy_author',
  'admin',
  'auditor',
  'council_member',
  'service',
];
/** Sets with more policies (both sides of an impact analysis together) run as jobs. */
export const SYNC_LIMIT = 60;

const ReportBody = Type.Object(
  {
    policies: Type.Array(Type.Unknown(), {
      maxItems: MAX_POLICIES,
      description: 'Policy objects (docs/policy-language.md §2)',
    }),
    constitutionHash: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: 'The constitution version to verify against',
    }),
    against: Type.Optional(
      Type.Array(Type.Unknown(), { maxItems: MAX_POLICIES, description: 'Previous set: impact analysis' }),
    ),
    invariantsOnly: Type.Optional(Type.Boolean()),
    queryTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUERY_TIMEOUT_MS })),
    acceptUnverified: Type.Optional(
      Type.Boolean({
        description: 'The caller (an activation) accepts unknown invariants; recorded in the log',
      }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /api/v1/verification/reports` (200 report, or 202 job) and `GET …/jobs/:id`. */
export function registerReportRoutes(
  server: FastifyInstance,
  verifier: VerificationContract,
  jobs: VerificationJobs,
): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/api/v1/verification/reports',
    {
      config: { auth: { roles: VERIFY_ROLES } },
      schema: {
        tags: TAGS,
        summary: `Verify a policy set against a constitution version (sets above ${SYNC_LIMIT} policies: a job, 202)`,
        body: ReportBody,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const verifyRequest = {
        ...body,
        ...(request.principal === undefined ? {} : { requestedBy: request.principal.subject }),
      };
      if (body.policies.length + (body.against?.length ?? 0) > SYNC_LIMIT) {
        const job = jobs.start(verifyRequest);
        return reply.code(202).header('location', `/api/v1/verification/jobs/${job.id}`).send(job);
      }
      return verifier.verify(verifyRequest);
    },
  );
  app.get(
    '/api/v1/verification/jobs/:id',
    {
      config: { auth: { roles: VERIFY_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'A verification job: running, done (with the report) or failed',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      },
    },
    async (request) => jobs.get(request.params.id),
  );
}
