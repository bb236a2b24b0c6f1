import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', redis: 'src/redis.ts', postgres: 'src/postgres.ts' },
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // The core loads the Redis and PostgreSQL entries by name, lazily, so both builds share one engine class.
  external: [
    'express',
    'redis',
    'pg',
    'cookie-parser',
    'express-session-registry/redis',
    'express-session-registry/postgres'
  ]
})
