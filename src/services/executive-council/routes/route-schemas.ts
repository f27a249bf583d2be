/** Response schemas of the council's routes (the OpenAPI document's answers; docs/council.md). */
import { Type } from '@sinclair/typebox';

const Open = { additionalProperties: true } as const;
const Time = Type.String({ description: 'RFC 3339 UTC' });
const NullableTime = Type.Union([Time, Type.Null()]);
const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const Member = Type.Object({
  memberId: Type.String(),
  displayName: Type.String(),
  publicKey: Type.String({ description: 'Raw 32-byte Ed25519 public key, base64' }),
  weight: Type.Integer(),
  seatedAt: Time,
  seatedBy: Type.String(),
});

export const MemberList = Type.Object({ members: Type.Array(Member), totalWeight: Type.Integer() });
export const Seated = Type.Object({ seated: Type.Boolean() });

export const Tally = Type.Object(
  {
    eligible: Type.Number(),
    yes: Type.Number(),
    no: Type.Number(),
    abstain: Type.Number(),
    voted: Type.Number(),
    quorumMet: Type.Boolean(),
    thresholdMet: Type.Boolean(),
  },
  Open,
);

export const Proposal = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    title: Type.String(),
    status: Type.String(),
    contentHash: Hash,
    content: Type.Object({}, Open),
    proposer: Type.String(),
    rule: Type.Object({}, Open),
    constitutionHash: Hash,
    electorate: Type.Array(Type.Object({}, Open)),
    removed: Type.Array(Type.String()),
    createdAt: Time,
    closesAt: Time,
    closedAt: NullableTime,
    outcome: Type.Union([Type.String(), Type.Null()]),
    early: Type.Boolean(),
    tally: Type.Union([Tally, Type.Null()]),
    enactableAt: NullableTime,
    enactedAt: NullableTime,
    enactment: Type.Object({}, Open),
    votes: Type.Optional(Type.Array(Type.Object({}, Open))),
  },
  Open,
);

export const ProposalList = Type.Object({ proposals: Type.Array(Proposal) });

export const RecordedVote = Type.Object({
  seq: Type.Integer(),
  proposalStatus: Type.String(),
  outcome: Type.Union([Type.String(), Type.Null()]),
  tally: Tally,
});

export const Authority = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    status: Type.String(),
    contentHash: Hash,
    passedAt: Type.Optional(Time),
    enactableAt: Type.Optional(Time),
  },
  Open,
);

export const Ratification = Type.Object({ proposalId: Type.String() });

export const ReviewTask = Type.Object(
  {
    decisionId: Type.String(),
    queue: Type.String(),
    status: Type.String(),
    deadline: Time,
    outcome: Type.Union([Type.String(), Type.Null()]),
    via: Type.Union([Type.String(), Type.Null()]),
  },
  Open,
);

export const ReviewTaskList = Type.Object({ tasks: Type.Array(ReviewTask) });

export const ReviewOutcome = Type.Object({
  decisionId: Type.String(),
  queue: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('resolved')]),
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Null()]),
  via: Type.Union([Type.Literal('reviewer'), Type.Literal('deadline'), Type.Null()]),
  resolvedAt: NullableTime,
  deadline: Time,
});
