/**
 * Time limits for tests whose subject is not speed. Production clients give up after 2 s; under a
 * CI run on a machine whose cores another process keeps busy (issue 21), a loopback call that
 * normally takes milliseconds can take seconds, and a contract test would fail for the machine,
 * not the contract. Tests of time limits themselves use their own, small values.
 */
export const LOAD_PROOF_TIMEOUT_MS = 15_000;

/**
 * How long a test waits for work that runs the SMT solver (an enactment's impact check, a
 * verification job): seconds on an idle machine, minutes when the cores are shared.
 */
export const LOAD_PROOF_VERIFICATION_MS = 600_000;

/** Verifier options for tests that compare verdicts: no limit that a busy machine could reach first. */
export const LOAD_PROOF_VERIFY_LIMITS = { timeLimitMs: 1_800_000, queryTimeoutMs: 120_000 } as const;
