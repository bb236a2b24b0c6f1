// Every key an engine sees is built here and nowhere else: the token hash an entry is stored under, and
// the category that indexes an authenticatable's entries. Engines treat both as opaque strings.
import { createHmac, hash } from 'node:crypto'

/** The keys of one registry, derived once from its `registryId` (or `seed`). */
export interface RegistryKeys {
  /** The HMAC key tokens are hashed with; `undefined` (plain SHA-256) without a registry id. */
  readonly hashKey: string | undefined
  /** Prepended to an authenticatable id to name its category. */
  readonly categoryPrefix: string
}

/** Characters of the registry tag in a category: base64url, so it never contains the `:` that ends it. */
const REGISTRY_TAG_LENGTH = 16

/**
 * The keys of the registry named `registryId`. The category prefix is upstream's `auth-` without one;
 * with one, `auth:<tag>:`, where the tag is a fixed-length hash of the id: no user id can make a
 * category of one registry equal a category of another, since `auth-…` never starts with `auth:` and
 * a fixed-length tag cannot absorb part of a user id.
 */
export function registryKeys(registryId: string | undefined): RegistryKeys {
  const categoryPrefix =
    registryId === undefined ? 'auth-' : `auth:${hashToken('category', registryId).slice(0, REGISTRY_TAG_LENGTH)}:`
  return { hashKey: registryId, categoryPrefix }
}

/**
 * What the engine sees instead of the token: SHA-256, or HMAC-SHA-256 keyed by the registry id, in
 * base64url. A stolen store yields no usable token.
 */
export function hashToken(token: string, hashKey: string | undefined): string {
  // The one-shot hash is several times cheaper than a Hash object, and this runs on every request.
  if (hashKey === undefined) return hash('sha256', token, 'base64url')
  return createHmac('sha256', hashKey).update(token).digest('base64url')
}

/** The category that indexes `userId`'s sessions: upstream's `auth-<id>`, or `auth:<tag>:<id>` under a registry id. */
export function categoryOf(keys: Pick<RegistryKeys, 'categoryPrefix'>, userId: string): string {
  return `${keys.categoryPrefix}${userId}`
}
