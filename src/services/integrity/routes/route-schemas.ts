import { Type } from '@sinclair/typebox';
import { ReadonlyList } from '../../../kit/readonly-list.js';

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 hash, lower-case hex' });
export const Index = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const Receipt = Type.Object({
  index: Index,
  leafHash: Hex32,
});

export const Entry = Type.Object({
  index: Index,
  entry: Type.String({
    description: 'The canonical entry text (RFC 8785): the leaf bytes, exactly as hashed',
  }),
  leafHash: Hex32,
});

export const Checkpoint = Type.Object({
  origin: Type.String(),
  size: Index,
  rootHash: Hex32,
  note: Type.String({ description: 'C2SP signed note (docs/log-format.md §4)' }),
  signedAt: Type.String(),
});

export const InclusionProof = Type.Object({
  index: Index,
  size: Index,
  leafHash: Hex32,
  rootHash: Hex32,
  proof: ReadonlyList(Hex32),
});

export const ConsistencyProof = Type.Object({
  from: Index,
  to: Index,
  fromRoot: Hex32,
  toRoot: Hex32,
  proof: ReadonlyList(Hex32),
});
