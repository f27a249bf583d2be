/**
 * Credentials one service presents to another in distributed mode: the service API key from
 * `ACGS_SERVICE_API_KEY` (created with `acgs apikey create --role service`). HTTP clients
 * spread these headers into their requests; without the variable they add nothing (embedded mode
 * calls in-process and needs none).
 *
 * @example
 * await fetch(url, { headers: { ...serviceCredentialHeaders(), accept: 'application/json' } });
 */
export function serviceCredentialHeaders(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const key = env.ACGS_SERVICE_API_KEY?.trim();
  return key ? { 'x-api-key': key } : {};
}
