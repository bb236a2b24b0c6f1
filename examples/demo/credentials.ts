/** What a sign-in request must carry. */
export interface Credentials {
  username: string
  password: string
}

/**
 * The credentials in a parsed request body, or `undefined` when the body is not an object with a
 * non-empty string `username` and a non-empty string `password` (a form post or a JSON body alike).
 */
export function readCredentials(body: unknown): Credentials | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const { username, password } = body as Record<string, unknown>
  if (typeof username !== 'string' || typeof password !== 'string') return undefined
  if (username.length === 0 || password.length === 0) return undefined
  return { username, password }
}
