/** The Darwin Gödel Machine service's error catalogue (codes `EVOLUTION_*`; docs/evolution.md, Errors). */
import { defineErrors } from '../../kernel/errors.js';

export const evolutionErrors = defineErrors({
  EVOLUTION_RUN_NOT_FOUND: { status: 404, title: 'No such evolution run' },
  EVOLUTION_RUN_FINISHED: { status: 409, title: 'The run has already finished' },
  EVOLUTION_NO_CONSTITUTION: { status: 409, title: 'No constitution has been published yet' },
  EVOLUTION_COUNCIL_UNAVAILABLE: {
    status: 503,
    title: 'No council is wired to this service',
    retryAfterSeconds: 5,
  },
  EVOLUTION_QUEUE_FULL: { status: 503, title: 'The evolution queue is full', retryAfterSeconds: 5 },
  EVOLUTION_VARIANT_NOT_FOUND: { status: 404, title: 'No such variant in the archive' },
  EVOLUTION_VARIANT_INADMISSIBLE: {
    status: 409,
    title: 'Only a variant the formal verifier proved admissible can be proposed',
  },
});

export type EvolutionErrorCode = keyof typeof evolutionErrors.specs;
