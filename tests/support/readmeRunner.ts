// Runs one example of the README or docs/ as an app would run it, in a process of its own so that a crash shows:
// README_EXAMPLE is its index, README_EXPRESS the Express major (4 or 5). Prints "READY <port>".
import type { AddressInfo } from 'node:net'
import ts from 'typescript'
import * as library from '../../src'
import * as postgresEntry from '../../src/postgres'
import * as redisEntry from '../../src/redis'
import { readmeExamples } from './readmeExamples'

const example = readmeExamples()[Number(process.env.README_EXAMPLE)]
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express: unknown = process.env.README_EXPRESS === '4' ? require('express4') : require('express')

// The memory engine of the examples, failing as a store that went away does.
const unreachable = () => Promise.reject(new Error('store unreachable'))
const failingEngine = {
  get: unreachable,
  set: unreachable,
  getAll: unreachable,
  delete: unreachable,
  clear: unreachable
}
const modules: Record<string, unknown> = {
  express,
  'express-session-registry': {
    ...library,
    session: (options?: library.SessionOptions) =>
      library.session({ ...options, engine: options?.engine ?? failingEngine }),
    requireSession: (options?: library.SessionOptions) =>
      library.requireSession({ ...options, engine: options?.engine ?? failingEngine })
  },
  'express-session-registry/redis': redisEntry,
  'express-session-registry/postgres': postgresEntry
}

// The examples' own placeholder: any username is right.
const checkPassword = async (username: unknown) => ({ id: String(username ?? 'ada') })

const { outputText } = ts.transpileModule(`${example.code}\nexport { app as __readmeApp }`, {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
})
const exported: { exports: Record<string, unknown> } = { exports: {} }
const load = (name: string): unknown => {
  if (!(name in modules)) throw new Error(`the example imports ${name}, which the runner does not provide`)
  return modules[name]
}
new Function('require', 'module', 'exports', 'checkPassword', outputText)(
  load,
  exported,
  exported.exports,
  checkPassword
)

const app = exported.exports.__readmeApp as {
  listen(port: number, host: string, ready: () => void): import('node:http').Server
}
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`READY ${(server.address() as AddressInfo).port}`)
})
