/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests', '<rootDir>/examples', '<rootDir>/bench'],
  testMatch: ['**/*.test.ts'],
  // Finds every server the tests start; stops the run with one message naming what to install.
  globalSetup: '<rootDir>/tests/support/preflight.ts',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^express-session-registry$': '<rootDir>/src/index.ts',
    '^express-session-registry/redis$': '<rootDir>/src/redis.ts',
    '^express-session-registry/postgres$': '<rootDir>/src/postgres.ts',
    '^express-session-registry/sqlite$': '<rootDir>/src/sqlite.ts',
    '^express-session-registry/testing$': '<rootDir>/src/testing.ts'
  },
  collectCoverageFrom: ['src/**/*.ts'],
  coverageThreshold: { global: { lines: 95, branches: 95 } },
  coverageReporters: ['text-summary', 'lcov'],
  testTimeout: 30000
}
