/**
 * The prototype layer holding a session's `token` getter.
 *
 * `inspect(session, { customInspect: false, showHidden: true, getters: true })` lists and calls every getter
 * of the class's prototype. The token's getter lives one layer further up, behind a proxy that lists no
 * keys, so only code that asks for `session.token` by name reaches it.
 */
export function tokenLayer<S>(tokenOf: (session: S) => string | null): object {
  return new Proxy(
    Object.create(Object.prototype, {
      token: {
        get(this: S): string | null {
          return tokenOf(this)
        },
        configurable: true,
        enumerable: false
      }
    }) as object,
    { ownKeys: () => [], getOwnPropertyDescriptor: () => undefined }
  )
}
