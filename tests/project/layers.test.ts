// The layer rules of eslint.layers.mjs fail on the imports they forbid, and the real src/ tree passes them.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { LayerMessage, LayersReport, PlantedCase } from '../support/layersLint'

const ROOT = join(__dirname, '../..')

interface Planted extends PlantedCase {
  title: string
  ruleId: 'import-x/no-cycle' | 'import-x/no-restricted-paths'
}

const restricted = (title: string, file: string, code: string): Planted => ({
  title,
  file,
  code,
  ruleId: 'import-x/no-restricted-paths'
})

const PLANTED: Planted[] = [
  restricted('an engine importing src/record.ts', 'src/engines/memory/MemoryEngine.ts', "import '../../record'\n"),
  restricted('the store importing src/session/', 'src/store.ts', "import './session/Session'\n"),
  restricted('augment.ts importing src/context.ts', 'src/augment.ts', "import './context'\n"),
  restricted('a session module importing src/middleware.ts', 'src/session/load.ts', "import '../middleware'\n"),
  restricted('the context importing the conformance suite', 'src/context.ts', "import './testing/fixtures'\n"),
  restricted('an engine entry point importing the conformance suite', 'src/redis.ts', "import './testing/index'\n"),
  restricted('the conformance suite importing src/store.ts', 'src/testing/fixtures.ts', "import '../store'\n"),
  {
    // src/session/data.ts imports ./storable, so storable importing ./data closes a cycle within one layer.
    title: 'a cycle within the session layer',
    file: 'src/session/storable.ts',
    code: "import './data'\n",
    ruleId: 'import-x/no-cycle'
  }
]

let report: LayersReport

beforeAll(() => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/support/layersLint.ts')], {
    cwd: ROOT,
    input: JSON.stringify(PLANTED.map(({ file, code }): PlantedCase => ({ file, code }))),
    encoding: 'utf8'
  })
  report = JSON.parse(output) as LayersReport
}, 120_000)

const rulesOf = (messages: LayerMessage[]): string[] => messages.map(({ ruleId }) => ruleId)

describe('npm run lint fails on', () => {
  it.each(PLANTED.map((planted, index): [string, number] => [planted.title, index]))('%s', (_title, index) => {
    const { ruleId } = PLANTED[index]
    // An upward import usually closes a cycle too; the planted cycle breaks no zone, so it shows no-cycle alone.
    if (ruleId === 'import-x/no-cycle') expect(rulesOf(report.cases[index])).toEqual([ruleId])
    else expect(rulesOf(report.cases[index])).toContain(ruleId)
  })
})

test('the real src/ tree breaks no layer rule', () => {
  expect(report.tree).toEqual([])
})
