import { median, medianInterval } from '../../bench/lib/stats'

// The statistics the paired benchmark reports: exact values on known inputs, no timing involved.
describe('the paired benchmark’s statistics', () => {
  describe('medianInterval()', () => {
    it('gives the median of an odd and an even count', () => {
      expect(medianInterval([3, 1, 2]).median).toBe(2)
      expect(medianInterval([4, 1, 3, 2]).median).toBe(2.5)
    })

    it('bounds the median by order statistics with at least 95% coverage', () => {
      const values = Array.from({ length: 50 }, (_, index) => index + 1)
      // For n = 50, P(Binomial(50, 1/2) <= 17) = 0.016 and <= 18 is 0.032: ranks 18 and 33.
      expect(medianInterval(values)).toEqual({ median: 25.5, low: 18, high: 33, n: 50 })
    })

    it('falls back to the range when there are too few values for the confidence asked', () => {
      expect(medianInterval([5, 1, 3])).toEqual({ median: 3, low: 1, high: 5, n: 3 })
    })

    it('says NaN for no values', () => {
      expect(medianInterval([]).median).toBeNaN()
    })
  })

  describe('median()', () => {
    it('is the middle value, or the mean of the middle two', () => {
      expect(median([0.9, 1.1, 1.0])).toBe(1.0)
      expect(median([4, 1, 3, 2])).toBe(2.5)
      expect(median([])).toBeNaN()
    })
  })
})
