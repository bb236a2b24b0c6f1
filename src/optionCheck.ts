import { notAnOption } from './errors'

/**
 * Option names borrowed from the libraries people migrate from, each with what to use here. Accepting
 * them silently would leave the app on defaults it never chose (express-session's `cookie.maxAge`
 * ignored means 30-day sessions), so they are refused with the way forward.
 */
export type MigrationHints = Readonly<Record<string, string>>

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key)
}

/** Throws a `TypeError` for the first option named in `hints`, saying what to use instead. */
export function rejectMigratedOptions(owner: string, options: object, hints: MigrationHints): void {
  for (const name of Object.keys(options)) {
    if (!hasOwn(hints, name)) continue
    const value: unknown = (options as Record<string, unknown>)[name]
    if (name === 'cookie' && value !== null && typeof value === 'object') {
      const inner = Object.keys(value).find((key) => hasOwn(hints, `cookie.${key}`))
      if (inner !== undefined) throw notAnOption(owner, `cookie.${inner}`, hints[`cookie.${inner}`])
    }
    throw notAnOption(owner, name, hints[name])
  }
}

/**
 * Throws a `TypeError` for the first option that is not in `known`: a name from `hints` gets what to use
 * here, a misspelling the closest known name.
 */
export function rejectUnknownOptions(
  owner: string,
  options: object,
  known: ReadonlySet<string>,
  hints: MigrationHints = {}
): void {
  rejectMigratedOptions(owner, options, hints)
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue
    const closest = closestName(name, known)
    throw notAnOption(owner, name, closest === undefined ? 'check its spelling' : `did you mean "${closest}"?`)
  }
}

/** The known name a few edits away from `name` (case ignored), if one is close enough to be a typo of it. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase()
  // A third of the name, at least one and at most three edits: "maxSesions" finds "maxSessions", "x" finds nothing.
  const tolerance = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)))
  let best: string | undefined
  let bestDistance = tolerance + 1
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

// Levenshtein distance with adjacent transpositions (optimal string alignment), two rows at a time.
function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      let distance = Math.min(previous[j] + 1, current[j - 1] + 1, substitution)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, beforePrevious[j - 2] + 1)
      }
      current.push(distance)
    }
    beforePrevious = previous
    previous = current
  }
  return previous[b.length]
}
