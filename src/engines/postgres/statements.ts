import { createHash } from 'node:crypto'

/** A named statement: node-postgres parses and plans it once per connection, then only binds values. */
export interface Statement {
  readonly name: string
  readonly text: string
}

/** Where the engine's table lives. */
export interface TableName {
  /** The schema; `undefined` leaves it to the connection's `search_path`. */
  readonly schema: string | undefined
  readonly table: string
}

/** Every statement the engine sends, for one table. */
export interface Statements {
  readonly get: Statement
  readonly set: Statement
  readonly update: Statement
  readonly patch: Statement
  readonly patchVersion: Statement
  readonly list: Statement
  readonly delete: Statement
  readonly deleteCategory: Statement
  readonly deleteCategoryExcept: Statement
  readonly deleteCategoryPrefix: Statement
  readonly lockCategory: Statement
  readonly setCapped: Statement
  readonly sweep: Statement
  readonly clear: Statement
}

/** A double-quoted SQL identifier (names are validated before they get here; quoting keeps their case). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** The table's name as SQL, schema-qualified when a schema is set. */
export function qualifiedName({ schema, table }: TableName): string {
  return schema === undefined ? quoteIdentifier(table) : `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`
}

const LIVE = '(expires_at IS NULL OR expires_at > now())'
const EXPIRED = '(expires_at IS NOT NULL AND expires_at <= now())'
// The stored version is JSON text; absent counts as 0, and anything but a plain integer matches no version.
const VERSION =
  "(CASE WHEN fields->>'version' IS NULL THEN 0 WHEN fields->>'version' ~ '^[0-9]{1,15}$' THEN (fields->>'version')::bigint ELSE -1 END)"
const millis = (parameter: number) => `to_timestamp($${parameter}::float8 / 1000)`
const COLUMNS = 'token, category, fields, expires_at, last_accessed, first_accessed'
const VALUES = `$1, $2, $3::jsonb, ${millis(4)}, ${millis(5)}, ${millis(6)}`
const REPLACE =
  'category = excluded.category, fields = excluded.fields, expires_at = excluded.expires_at, ' +
  'last_accessed = excluded.last_accessed, first_accessed = excluded.first_accessed'

/**
 * The statements for one table. Values always travel as parameters; only the table name, validated and
 * quoted, is part of the text. Names carry a digest of the table, because one pooled connection may
 * serve engines on different tables, and node-postgres refuses one name for two texts.
 */
export function statementsFor(table: TableName): Statements {
  const t = qualifiedName(table)
  const prefix = `esr_${createHash('sha256').update(t).digest('hex').slice(0, 10)}_`
  const statement = (name: string, text: string): Statement => ({ name: prefix + name, text })
  const patch =
    `UPDATE ${t} SET fields = (fields - $2::text[]) || $3::jsonb, ` +
    `last_accessed = CASE WHEN $4 THEN ${millis(5)} ELSE last_accessed END, ` +
    `expires_at = CASE WHEN $6 THEN ${millis(7)} ELSE expires_at END`
  return {
    get: statement('get', `SELECT fields FROM ${t} WHERE token = $1 AND ${LIVE}`),
    set: statement(
      'set',
      `INSERT INTO ${t} (${COLUMNS}) VALUES (${VALUES}) ON CONFLICT (token) DO UPDATE SET ${REPLACE}`
    ),
    // The liveness test and the write are one statement: a row deleted or expired meanwhile stays gone.
    update: statement(
      'update',
      `UPDATE ${t} SET category = $2, fields = $3::jsonb, expires_at = ${millis(4)}, last_accessed = ${millis(5)}, ` +
        `first_accessed = ${millis(6)} WHERE token = $1 AND ${LIVE}`
    ),
    // One statement too: the named fields go, the given ones are written, the others stay as stored,
    // and only a live row is touched. Values are JSON texts inside `fields`, so none is decoded here.
    patch: statement('patch', `${patch} WHERE token = $1 AND ${LIVE}`),
    patchVersion: statement('patch_version', `${patch} WHERE token = $1 AND ${LIVE} AND ${VERSION} = $8`),
    // Expired rows met on the way are removed in the same statement.
    list: statement(
      'list',
      `WITH expired AS (DELETE FROM ${t} WHERE category = $1 AND ${EXPIRED}) ` +
        `SELECT token, fields FROM ${t} WHERE category = $1 AND ${LIVE}`
    ),
    delete: statement('delete', `DELETE FROM ${t} WHERE token = $1`),
    deleteCategory: statement('delete_category', `DELETE FROM ${t} WHERE category = $1`),
    deleteCategoryExcept: statement('delete_category_except', `DELETE FROM ${t} WHERE category = $1 AND token <> $2`),
    // $1 is a LIKE pattern whose `\\`, `%` and `_` are escaped: the prefix matches as plain text.
    deleteCategoryPrefix: statement('delete_category_prefix', `DELETE FROM ${t} WHERE category LIKE $1 ESCAPE '\\'`),
    // Serialises the capped log ins of one category, so that two at once cannot both stay under the cap.
    lockCategory: statement('lock_category', 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))'),
    // The statement's snapshot predates its insert, so the ranking sees the category's other rows only:
    // the newest `$7 - 1` live ones stay, the rest and the expired ones go.
    setCapped: statement(
      'set_capped',
      `WITH stored AS (INSERT INTO ${t} (${COLUMNS}) VALUES (${VALUES}) ON CONFLICT (token) DO UPDATE SET ${REPLACE}), ` +
        `others AS (SELECT token, ${EXPIRED} AS expired, row_number() OVER (PARTITION BY ${EXPIRED} ` +
        `ORDER BY last_accessed DESC NULLS LAST, first_accessed DESC NULLS LAST, token DESC) AS recency ` +
        `FROM ${t} WHERE category = $2 AND token <> $1) ` +
        `DELETE FROM ${t} AS entry USING others WHERE entry.token = others.token ` +
        `AND (others.expired OR others.recency >= $7) RETURNING others.expired, entry.fields`
    ),
    // A bounded batch: SKIP LOCKED leaves rows another sweeper or a request holds, so nothing waits.
    sweep: statement(
      'sweep',
      `DELETE FROM ${t} WHERE token IN (SELECT token FROM ${t} WHERE ${EXPIRED} ` +
        `ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) AND ${EXPIRED}`
    ),
    clear: statement('clear', `DELETE FROM ${t}`)
  }
}
