import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', redis: 'src/redis.ts' },
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node18',
  tsconfig: 'tsconfig.build.json',
  external: ['express', 'redis', 'cookie-parser']
})
