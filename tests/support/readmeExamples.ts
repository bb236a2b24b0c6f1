import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A `ts` code block of the README that builds an Express app. */
export interface ReadmeExample {
  /** The heading the example sits under, to name it in test output. */
  title: string
  code: string
  /** The routes it declares, as `[method, path]`. */
  routes: Array<[string, string]>
}

const README = join(__dirname, '..', '..', 'README.md')
const ROUTE_PATTERN = /\bapp\.(get|post|put|patch|delete)\(\s*'([^']+)'/g

/** Every `ts` block of the README that calls `express()`, in order. */
export function readmeExamples(): ReadmeExample[] {
  const examples: ReadmeExample[] = []
  let title = ''
  let code: string[] | undefined
  for (const line of readFileSync(README, 'utf8').split('\n')) {
    if (code) {
      if (line.startsWith('```')) {
        const text = code.join('\n')
        const routes = [...text.matchAll(ROUTE_PATTERN)].map((match): [string, string] => [match[1], match[2]])
        if (text.includes('express()')) examples.push({ title, code: text, routes })
        code = undefined
      } else code.push(line)
    } else if (line.startsWith('```ts')) code = []
    else if (line.startsWith('#')) title = line.replace(/^#+\s*/, '')
  }
  return examples
}
