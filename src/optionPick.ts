import { invalidOption } from './errors'

/** Tells whether an option's value is acceptable. */
export type Check = (value: unknown) => boolean

/** A boolean. */
export const isBoolean: Check = (value) => typeof value === 'boolean'
/** A string with at least one character. */
export const isNonEmptyString: Check = (value) => typeof value === 'string' && value.length > 0
/** A positive whole number of milliseconds, or `false` for none. */
export const isDuration: Check = (value) =>
  value === false || (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
/** A positive whole number. */
export const isPositiveInteger: Check = (value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0

/** The value of an option that has an upstream alias, and the name it was given under. */
export function aliased<O extends object>(
  options: O,
  name: keyof O & string,
  alias: keyof O & string
): [string, unknown] {
  return options[name] === undefined && options[alias] !== undefined ? [alias, options[alias]] : [name, options[name]]
}

/** The option's value, `fallback` when it was not given; throws a `TypeError` naming it when `check` refuses it. */
export function pick<T>(name: string, value: unknown, fallback: T, check: Check, expected: string): T {
  if (value === undefined) return fallback
  if (!check(value)) throw invalidOption(name, value, expected)
  return value as T
}
