import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { presets, type SessionOptions } from '../../src'

const ROOT = join(__dirname, '../..')
const DOC = readFileSync(join(ROOT, 'docs/security.md'), 'utf8')
const STATUSES = ['pass', 'option', 'partial', 'fail']
const PRESET_COLUMNS = ['asvsL1', 'asvsL2', 'asvsL3', 'nistAal1', 'nistAal2', 'nistAal3']

/** The rows of the markdown table whose header row starts with `| ${firstHeader} |`, as cells. */
function tableRows(firstHeader: string): string[][] {
  const lines = DOC.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`| ${firstHeader} |`))
  expect(start).toBeGreaterThan(-1)
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim())
    )
  }
  return rows
}

/** The tests a cell names: `file`: "name", separated by `;`. */
function testsNamed(cell: string): Array<{ file: string; name: string }> {
  return [...cell.matchAll(/`([^`]+\.test\.ts)`: "([^"]+)"/g)].map(([, file, name]) => ({ file, name }))
}

const requirements = tableRows('id')

describe('docs/security.md', () => {
  it('has a row per requirement with a status for the default and each preset', () => {
    expect(requirements.length).toBeGreaterThan(30)
    for (const row of requirements) {
      expect(row).toHaveLength(10)
      for (const status of row.slice(2, 9)) expect(STATUSES).toContain(status.split(' ')[0])
    }
  })

  it.each(requirements.map((row) => [row[0], row]))(
    '%s: every "pass" names a test, and every test named exists',
    (_id, row) => {
      const named = testsNamed(row[9])
      const passes = row.slice(2, 9).some((status) => status.startsWith('pass'))
      if (passes) expect(named.length).toBeGreaterThan(0)
      expect(
        row[9]
          .replace(/`[^`]+\.test\.ts`: "[^"]+"/g, '')
          .replace(/;/g, '')
          .trim()
      ).toBe('')
      for (const { file, name } of named) {
        expect(existsSync(join(ROOT, file))).toBe(true)
        expect({ file, found: readFileSync(join(ROOT, file), 'utf8').includes(name) }).toEqual({ file, found: true })
      }
    }
  )

  it('lists each preset with the timeouts and transports it really has', () => {
    const rows = tableRows('preset')
    expect(rows.map((row) => row[0].replace(/`/g, ''))).toEqual(PRESET_COLUMNS)
    const duration = (text: string): number => {
      const [amount, unit] = text.split(' ')
      const unitMs: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }
      return Number(amount) * unitMs[unit.replace(/s$/, '')]
    }
    for (const [name, idle, overall, interval, transports, , , rotateAfter] of rows) {
      const preset: SessionOptions = presets[name.replace(/`/g, '') as keyof typeof presets]
      expect([duration(idle), duration(overall), duration(interval)]).toEqual([
        preset.idleTimeout,
        preset.absoluteTimeout,
        preset.maxWriteInterval
      ])
      expect(transports.split(', ')).toEqual(preset.transports ?? ['cookie', 'bearer'])
      expect(rotateAfter === 'off' ? undefined : duration(rotateAfter)).toEqual(preset.rotateAfter)
    }
  })
})
