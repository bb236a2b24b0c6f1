/** A value an engine may give at once (the memory engine) or later (a networked one). */
export type MaybePromise<T> = T | PromiseLike<T>

/** Whether the value is still to come. */
export function isPending<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function'
}

/**
 * Applies `next` to a value now if it is here, or once it arrives. Keeping synchronous engines
 * synchronous lets the middleware call `next()` in the same tick, which spares every request on the
 * memory engine a trip through the microtask queue.
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPending(value) ? Promise.resolve(value).then(next) : next(value)
}
