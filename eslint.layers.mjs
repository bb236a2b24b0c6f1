// The import rules that keep src/ in one-way layers (see docs/architecture.md):
// entry points → middleware → session → context → options, request helpers → store → engine contract,
// with errors.ts, maybe.ts, events.ts and deadlines.ts as leaves below everything. Engines import the
// contract, engines/subjectCopy.ts and deadlines.ts. augment.ts (the request type) sits between the
// middleware and the session; src/testing/ (the conformance suite) is reached only from src/testing.ts.
// Every file and folder of src/ belongs to a zone: a new one fails `npm run lint` until it is placed.
import { readdirSync } from 'node:fs'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'

const ENTRY_POINTS = ['./src/index.ts', './src/redis.ts', './src/postgres.ts', './src/sqlite.ts', './src/testing.ts']
const MIDDLEWARE = ['./src/middleware.ts']
const AUGMENT = ['./src/augment.ts']
const TESTING = ['./src/testing']
const SESSION = ['./src/session']
const CONTEXT = ['./src/context.ts', './src/resolveEngine.ts', './src/readiness.ts']
const OPTIONS = [
  './src/options.ts',
  './src/optionTypes.ts',
  './src/optionNames.ts',
  './src/optionPick.ts',
  './src/cookieOptions.ts',
  './src/presets.ts',
  './src/migration.ts'
]
const REQUEST_HELPERS = ['./src/cookie.ts', './src/csrf.ts', './src/token.ts']
const STORE = ['./src/store.ts', './src/record.ts', './src/expiry.ts', './src/keys.ts']
const ENGINES = ['./src/engines']

const engineFolders = readdirSync(new URL('./src/engines', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

/** Files in `target` may not import from any of `from`. */
const zone = (target, from, message) => ({ target, from, message })

const zones = [
  // Each engine: the contract, its own folder and the engines/ helpers written against the contract.
  ...engineFolders.map((name) => ({
    target: `./src/engines/${name}`,
    from: './src',
    except: ['./engine.ts', `./engines/${name}`, './engines/subjectCopy.ts', './deadlines.ts'],
    message: `an engine imports only src/engine.ts (the contract) and its own folder, src/engines/${name}/`
  })),
  {
    target: './src/engines/subjectCopy.ts',
    from: './src',
    except: ['./engine.ts', './engines/subjectCopy.ts'],
    message: 'a helper shared by engines imports only the contract'
  },
  {
    target: './src/engine.ts',
    from: './src',
    except: ['./engine.ts', './errors.ts', './optionCheck.ts'],
    message: 'the engine contract imports only errors.ts and optionCheck.ts'
  },
  zone(
    STORE,
    [
      ...ENTRY_POINTS,
      ...TESTING,
      ...MIDDLEWARE,
      ...AUGMENT,
      ...SESSION,
      ...CONTEXT,
      ...OPTIONS,
      ...REQUEST_HELPERS,
      ...ENGINES
    ],
    'the store layer imports only the contract and the shared leaves'
  ),
  zone(
    [...OPTIONS, ...REQUEST_HELPERS],
    [...ENTRY_POINTS, ...TESTING, ...MIDDLEWARE, ...AUGMENT, ...SESSION, ...CONTEXT, './src/store.ts', ...ENGINES],
    'options and request helpers sit below the session and the context'
  ),
  zone(
    CONTEXT,
    [...ENTRY_POINTS, ...TESTING, ...MIDDLEWARE, ...AUGMENT, ...SESSION],
    'the context sits below the session'
  ),
  zone(
    SESSION,
    [...ENTRY_POINTS, ...TESTING, ...MIDDLEWARE, ...AUGMENT, ...ENGINES],
    'the session sits below the middleware and reaches engines through the store'
  ),
  {
    target: AUGMENT,
    from: './src',
    except: ['./augment.ts', './session/Session.ts'],
    message: 'augment.ts declares the request type and imports only the Session type it names'
  },
  zone(MIDDLEWARE, [...ENTRY_POINTS, ...TESTING, ...ENGINES], 'the middleware sits below the entry points'),
  zone(
    ENTRY_POINTS.filter((file) => file !== './src/testing.ts'),
    TESTING,
    'only src/testing.ts re-exports the conformance suite'
  ),
  {
    // The suite drives the library as an app would, through the public entry point, plus the contract.
    target: TESTING,
    from: './src',
    except: ['./testing', './index.ts', './engine.ts'],
    message: 'the conformance suite imports only src/index.ts, src/engine.ts and its own folder'
  },
  {
    target: ['./src/errors.ts', './src/maybe.ts', './src/deadlines.ts'],
    from: './src',
    except: ['./errors.ts', './maybe.ts', './deadlines.ts'],
    message: 'errors.ts, maybe.ts and deadlines.ts are leaves'
  },
  {
    target: './src/optionCheck.ts',
    from: './src',
    except: ['./errors.ts', './optionCheck.ts'],
    message: 'optionCheck.ts imports only errors.ts'
  },
  {
    target: ['./src/telemetry.ts', './src/debug.ts'],
    from: './src',
    except: ['./telemetry.ts', './debug.ts', './events.ts', './maybe.ts', './errors.ts'],
    message: 'telemetry.ts and debug.ts sit beside events.ts, below the store'
  },
  {
    target: './src/events.ts',
    from: './src',
    except: ['./errors.ts', './events.ts'],
    message: 'events.ts imports only errors.ts'
  }
]

// A file of src/ outside every zone could import anything unseen: place each file in a layer.
const placed = [...ENTRY_POINTS, ...zones.flatMap(({ target }) => target)]
const unplaced = readdirSync(new URL('./src', import.meta.url), { recursive: true })
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `./src/${name.split('\\').join('/')}`)
  .filter((file) => !placed.some((target) => file === target || file.startsWith(`${target}/`)))
if (unplaced.length > 0) {
  throw new Error(`eslint.layers.mjs: ${unplaced.join(', ')} in no zone; add each to a layer's list`)
}

/** Fails `npm run lint` on an import cycle in src/ and on an import that goes up a layer. */
export const layers = {
  files: ['src/**/*.ts'],
  plugins: { 'import-x': importX },
  settings: {
    // Dependencies are parsed as TypeScript too, so a cycle through any number of files is seen.
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    'import-x/extensions': ['.ts'],
    'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })]
  },
  rules: {
    'import-x/no-cycle': ['error', { ignoreExternal: true }],
    'import-x/no-restricted-paths': ['error', { zones }]
  }
}
