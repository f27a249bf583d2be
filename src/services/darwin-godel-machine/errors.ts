/** The Darwin Gödel Machine service's error catalogue (codes `EVOLUTION_*`; docs/evolution.md, Errors). */
import { defineErrors } from '../../kernel/errors.js';

export const evolutionErrors = defineErrors({
  EVOLUTION_VARIANT_NOT_FOUND: { status: 404, title: 'No such variant in the archive' },
  EVOLUTION_VARIANT_INADMISSIBLE: {
    status: 409,
    title: 'Only a variant the formal verifier proved admissible can be proposed',
  },
});

export type EvolutionErrorCode = keyof typeof evolutionErrors.specs;
