import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import type { Role } from '../../../kernel/roles.js';
import { actorOf } from '../../../kit/request-actor.js';
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

const Count = Type.Integer({ minimum: 0 });
/** The report (docs/verification.md, "Reading a report"); its analyses' entries are documented there. */
const Report = Type.Object(
  {
    policySetHash: Type.String(),
    constitutionHash: Type.Optional(Type.String()),
    solver: Type.String(),
    defaultDecision: Type.String(),
    coverage: Type.Object({ policies: Count, verifiable: Count, ratio: Type.Number() }),
    policies: Type.Array(Type.Unknown()),
    invariants: Type.Array(Type.Unknown()),
    conflicts: Type.Array(Type.Unknown()),
    findings: Type.Array(Type.Unknown()),
    impact: Type.Optional(Type.Unknown()),
    notes: Type.Array(Type.String()),
    summary: Type.Object({
      proved: Count,
      violated: Count,
      unknown: Count,
      conflicts: Count,
      dead: Count,
      shadowed: Count,
    }),
    durationMs: Type.Number(),
  },
  { additionalProperties: true },
);
const Job = Type.Object({
  id: Type.String(),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
  ]),
  startedAt: Type.String(),
  attempts: Type.Integer({ minimum: 0, description: 'Runs started (more than one after a restart)' }),
  report: Type.Optional(Report),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});

// The domain types are deeply readonly; the schemas' static types are their mutable twins.
type ReportReply = Static<typeof Report>;
type JobReply = Static<typeof Job>;

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
        response: { 200: Report, 202: Job },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const verifyRequest = {
        ...body,
        ...(request.principal === undefined ? {} : { requestedBy: actorOf(request) }),
      };
      if (body.policies.length + (body.against?.length ?? 0) > SYNC_LIMIT) {
        const job = await jobs.start(verifyRequest);
        return reply
          .code(202)
          .header('location', `/api/v1/verification/jobs/${job.id}`)
          .send(job as JobReply);
      }
      return (await verifier.verify(verifyRequest)) as ReportReply;
    },
  );
  app.get(
    '/api/v1/verification/jobs/:id',
    {
      config: { auth: { roles: VERIFY_ROLES } },
      schema: {
        tags: TAGS,
        summary: 'A verification job: queued, running, done (with the report) or failed',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Job },
      },
    },
    async (request) => (await jobs.get(request.params.id)) as JobReply,
  );
}
