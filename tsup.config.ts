import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    redis: 'src/redis.ts',
    postgres: 'src/postgres.ts',
    sqlite: 'src/sqlite.ts',
    testing: 'src/testing.ts'
  },
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // The core loads the Redis, PostgreSQL and SQLite entries by name, lazily, so both builds share one engine class.
  external: [
    'express',
    'redis',
    'ioredis',
    'iovalkey',
    'pg',
    'better-sqlite3',
    'cookie-parser',
    'express-session-registry/redis',
    'express-session-registry/postgres',
    'express-session-registry/sqlite'
  ],
  // The Redis engine loads `redis` on demand with require(), so an app with ioredis only never needs
  // it; ES modules get a require of their own for that.
  banner: ({ format }) =>
    format === 'esm'
      ? {
          js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
        }
      : {}
})
