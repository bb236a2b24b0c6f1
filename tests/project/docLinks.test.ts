// Every relative link of the README, docs/ and BENCHMARKS.md reaches a file, and every #anchor a heading of its page.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { documentationFiles } from '../support/readmeExamples'

const ROOT = join(__dirname, '../..')
const LINK_PATTERN = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g

/** The page's text without its code blocks, whose `#` lines are not headings. */
function withoutCodeBlocks(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '')
}

/** The page's text with code blocks and inline code blanked out, where brackets are not links. */
function prose(text: string): string {
  return withoutCodeBlocks(text).replace(/`[^`\n]*`/g, '``')
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const [, heading] of withoutCodeBlocks(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

function brokenLinks(page: string): string[] {
  const file = join(ROOT, page)
  const broken: string[] = []
  for (const [, target] of prose(readFileSync(file, 'utf8')).matchAll(LINK_PATTERN)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    const [path, anchor] = target.split('#')
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path))
    if (!existsSync(resolved)) broken.push(`${target}: no file ${relative(ROOT, resolved)}`)
    else if (anchor !== undefined && statSync(resolved).isFile() && !anchorsOf(resolved).has(anchor)) {
      broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, resolved)}`)
    }
  }
  return broken
}

describe('the links of the README and docs/', () => {
  it('cover the README and the manuals', () => {
    expect(documentationFiles()).toEqual(
      expect.arrayContaining(['README.md', 'docs/redis.md', 'docs/postgres.md', 'docs/architecture.md'])
    )
  })

  it.each([...documentationFiles(), 'BENCHMARKS.md'])(
    '%s: every relative link reaches a file and every #anchor a heading',
    (page) => {
      expect(brokenLinks(page)).toEqual([])
    }
  )
})
