/**
 * Logging in from end-to-end tests. Start the platform with `ACGS_ADMIN_PASSWORD` set (at least 12
 * characters) and the first start creates `admin` with it; then `loginAsAdmin(url, password)`.
 */
export const TEST_ADMIN_PASSWORD = 'e2e-admin-password-0123';

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/**
 * fetch, sent again once when the kept-alive connection it went out on had already been closed by
 * the server (`other side closed`, before any answer). A test that blocks its event loop longer
 * than the server's 72 s idle timeout (spawnSync of the CLI, on busy cores) finds its pooled
 * connection closed underneath it: the server closed it idle, so it never read the request.
 */
export async function fetchAgainIfClosedIdle(input: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code !== 'UND_ERR_SOCKET' || !/other side closed/.test(cause.message ?? '')) throw error;
    return fetch(input, init);
  }
}

export async function login(
  url: string,
  username: string,
  password: string,
  extra: Record<string, string> = {},
) {
  const response = await fetchAgainIfClosedIdle(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, ...extra }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Logs in as the first admin and returns its tokens; throws when the login fails. */
export async function loginAsAdmin(url: string, password = TEST_ADMIN_PASSWORD): Promise<Tokens> {
  const result = await login(url, 'admin', password);
  if (result.status !== 200)
    throw new Error(`admin login failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as unknown as Tokens;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A JSON request with optional credentials; returns status, headers and parsed body. */
export async function api(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const response = await fetchAgainIfClosedIdle(`${url}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}
