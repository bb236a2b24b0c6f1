import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A `ts` code block of the README or of a manual in `docs/` that builds an Express app. */
export interface ReadmeExample {
  /** The file it is in, relative to the repository root (`README.md`, `docs/redis.md`). */
  file: string
  /** The heading the example sits under, to name it in test output. */
  title: string
  code: string
  /** The routes it declares, as `[method, path]`. */
  routes: Array<[string, string]>
}

const ROOT = join(__dirname, '..', '..')
const ROUTE_PATTERN = /\bapp\.(get|post|put|patch|delete)\(\s*'([^']+)'/g

/** The README, then every Markdown page of `docs/` by name: the pages whose examples and links are checked. */
export function documentationFiles(): string[] {
  const pages = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`)
  return ['README.md', ...pages]
}

/** Every `ts` block of the README and of `docs/*.md` that calls `express()`, in order. */
export function readmeExamples(): ReadmeExample[] {
  return documentationFiles().flatMap((file) => examplesOf(file))
}

function examplesOf(file: string): ReadmeExample[] {
  const examples: ReadmeExample[] = []
  let title = ''
  let code: string[] | undefined
  let fenced = false
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    if (code) {
      if (line.startsWith('```')) {
        const text = code.join('\n')
        const routes = [...text.matchAll(ROUTE_PATTERN)].map((match): [string, string] => [match[1], match[2]])
        if (text.includes('express()')) examples.push({ file, title, code: text, routes })
        code = undefined
      } else code.push(line)
    } else if (line.startsWith('```ts')) code = []
    else if (line.startsWith('```')) fenced = !fenced
    else if (!fenced && line.startsWith('#')) title = line.replace(/^#+\s*/, '')
  }
  return examples
}
