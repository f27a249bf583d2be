/** What a job asks for, as stored with it (`gs_jobs.request`) and read back by the run. */
export interface JobRequest {
  /** The provider when one is asked; with `providers`, their names joined by `+`. */
  readonly provider: string;
  /** Several providers, for consensus among their candidates. */
  readonly providers?: readonly string[];
  readonly constitutionHash: string;
  readonly principles?: readonly string[];
  readonly goal?: string;
  /** Candidates per provider. */
  readonly candidates: number;
  /** Open a council proposal (activate-policies) for the bundle. */
  readonly propose?: boolean;
}
