// Lints planted code with the repository's ESLint config, in a process of its own (ESLint loads its flat
// config by a dynamic import, which jest's module system refuses). Reads the cases as JSON on stdin and
// prints, as JSON, the layer rules' messages for each case and for the real src/ tree.
import { ESLint, type Linter } from 'eslint'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** Code linted as if it were the file at `file` (relative to the repository root). */
export interface PlantedCase {
  file: string
  code: string
}

/** A message of one of the layer rules. */
export interface LayerMessage {
  file: string
  ruleId: string
  message: string
}

/** The messages of each planted case, in the input's order, and of the real tree. */
export interface LayersReport {
  cases: LayerMessage[][]
  tree: LayerMessage[]
}

/** The rules of eslint.layers.mjs. */
export const LAYER_RULES = ['import-x/no-cycle', 'import-x/no-restricted-paths']

const ROOT = join(__dirname, '../..')

function layerMessages(results: ESLint.LintResult[]): LayerMessage[] {
  return results.flatMap((result) =>
    result.messages
      .filter((message: Linter.LintMessage) => message.ruleId !== null && LAYER_RULES.includes(message.ruleId))
      .map((message) => ({
        file: relative(ROOT, result.filePath),
        ruleId: message.ruleId ?? '',
        message: message.message
      }))
  )
}

async function main(): Promise<void> {
  const cases = JSON.parse(readFileSync(0, 'utf8')) as PlantedCase[]
  // One instance for every case, so the import resolver's cache is shared.
  const eslint = new ESLint({ cwd: ROOT })
  const report: LayersReport = { cases: [], tree: [] }
  for (const planted of cases) {
    report.cases.push(layerMessages(await eslint.lintText(planted.code, { filePath: join(ROOT, planted.file) })))
  }
  report.tree = layerMessages(await eslint.lintFiles(['src']))
  process.stdout.write(JSON.stringify(report))
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
