import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CouncilDeps } from '../council-deps.js';
import { MAX_WEIGHT } from '../member-input.js';
import { seatMember } from '../usecases/seat-member.js';
import { MEMBER_ID_PATTERN } from '../vote-payload.js';
import { callerOf, READ_ROLES, SEAT_ROLES } from './route-roles.js';
import { Member, MemberList, Seated } from './route-schemas.js';

const TAGS = ['council'];

/** Members: the seated council, and the admin bootstrap that seats the first ones. */
export function registerMemberRoutes(app: FastifyInstance, deps: CouncilDeps) {
  app.get(
    '/api/v1/council/members',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { response: { 200: MemberList }, tags: TAGS, summary: 'The seated members' },
    },
    async () => {
      const members = await deps.store.members();
      return { members, totalWeight: members.reduce((sum, m) => sum + m.weight, 0) };
    },
  );

  app.get(
    '/api/v1/council/seated',
    {
      config: { auth: { roles: READ_ROLES } },
      schema: { response: { 200: Seated }, tags: TAGS, summary: 'Whether a council is seated' },
    },
    async () => ({ seated: (await deps.store.members()).length > 0 }),
  );

  app.post<{ Body: { memberId: string; displayName: string; publicKey: string; weight: number } }>(
    '/api/v1/council/members',
    {
      config: { auth: { roles: SEAT_ROLES } },
      schema: {
        response: { 201: Member },
        tags: TAGS,
        summary: 'Admin bootstrap: seat a member (only until the first proposal; then by change-council)',
        body: Type.Object(
          {
            memberId: Type.String({ pattern: MEMBER_ID_PATTERN }),
            displayName: Type.String({ minLength: 1, maxLength: 200 }),
            publicKey: Type.String({ minLength: 44, maxLength: 44 }),
            weight: Type.Integer({ minimum: 1, maximum: MAX_WEIGHT }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await seatMember(deps, request.body, callerOf(request))),
  );
}
