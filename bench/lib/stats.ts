/** A median and its distribution-free confidence interval. */
export interface Interval {
  median: number
  low: number
  high: number
  /** How many values it was computed from. */
  n: number
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
function binomialCdf(k: number, n: number): number {
  let term = 0.5 ** n
  let sum = term
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i
    sum += term
  }
  return sum
}

/**
 * The median of `values` with a confidence interval from order statistics: the j-th and (n+1-j)-th
 * smallest values, j the largest rank with P(Binomial(n, 1/2) < j) <= (1 - confidence) / 2. It assumes
 * only that the values are independent draws of one distribution, not that the noise is normal, which
 * on a shared machine it is not (a preempted round is an outlier, not a Gaussian tail).
 */
export function medianInterval(values: number[], confidence = 0.95): Interval {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { median: NaN, low: NaN, high: NaN, n }
  const middle = Math.floor(n / 2)
  const median = n % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  let j = 0
  while (j + 1 <= n && binomialCdf(j, n) <= (1 - confidence) / 2) j++
  // j is now the 1-based rank of the lower bound (0 when n is too small for the confidence asked).
  if (j === 0) return { median, low: sorted[0], high: sorted[n - 1], n }
  return { median, low: sorted[j - 1], high: sorted[n - j], n }
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(values: number[]): number {
  return medianInterval(values).median
}
