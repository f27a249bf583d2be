/** The report types live with the verification contract (kernel/contracts/verification.ts). */
export type * from '../../kernel/contracts/verification.js';
