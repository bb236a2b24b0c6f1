// Every key an engine sees is built here and nowhere else: the token hash an entry is stored under, and
// the category that indexes an authenticatable's entries. Engines treat both as opaque strings.
import { createHmac, createSecretKey, hash } from 'node:crypto'

/** The keys of one registry, derived once from its `registryId` (or `seed`). */
export interface RegistryKeys {
  /** The HMAC key tokens are hashed with; `undefined` (plain SHA-256) without a registry id. */
  readonly hashKey: string | undefined
  /** Prepended to an authenticatable id to name its category. */
  readonly categoryPrefix: string
  /**
   * Prepended to an authenticatable id to name the category of its rotated-out tokens, kept apart so
   * they never count as sessions (listings, the per-user cap).
   */
  readonly rotatedCategoryPrefix: string
}

/** Characters of the registry tag in a category: base64url, so it never contains the `:` that ends it. */
const REGISTRY_TAG_LENGTH = 16

/**
 * The keys of the registry named `registryId`. The category prefix is upstream's `auth-` without one;
 * with one, `auth:<tag>:`, where the tag is a fixed-length hash of the id: no user id can make a
 * category of one registry equal a category of another, since `auth-…` never starts with `auth:` and
 * a fixed-length tag cannot absorb part of a user id. Rotated-out tokens use `rotated-` and
 * `rotated:<tag>:` in the same way, which no session category starts with.
 */
export function registryKeys(registryId: string | undefined): RegistryKeys {
  const tag = registryId === undefined ? undefined : hashToken('category', registryId).slice(0, REGISTRY_TAG_LENGTH)
  return {
    hashKey: registryId,
    categoryPrefix: tag === undefined ? 'auth-' : `auth:${tag}:`,
    rotatedCategoryPrefix: tag === undefined ? 'rotated-' : `rotated:${tag}:`
  }
}

/**
 * What the engine sees instead of the token: SHA-256, or HMAC-SHA-256 keyed by the registry id, in
 * base64url. A stolen store yields no usable token.
 */
export function hashToken(token: string, hashKey: string | undefined): string {
  // The one-shot hash is several times cheaper than a Hash object, and this runs on every request.
  if (hashKey === undefined) return hash('sha256', token, 'base64url')
  return hmacFor(hashKey)(token)
}

type Hmac = (message: string) => string

const SHA256_BLOCK_BYTES = 64
const SHA256_DIGEST_BYTES = 32
const INNER_PAD = 0x36
const OUTER_PAD = 0x5c
const ASCII_LIMIT = 0x80

// One per registry id, built on first use: a process serves one or a few registries.
const hmacs = new Map<string, Hmac>()

function hmacFor(key: string): Hmac {
  let hmac = hmacs.get(key)
  if (!hmac) {
    hmac = isShortAscii(key) ? paddedHmac(key) : keyObjectHmac(key)
    hmacs.set(key, hmac)
  }
  return hmac
}

function isShortAscii(key: string): boolean {
  if (key.length > SHA256_BLOCK_BYTES) return false
  for (let position = 0; position < key.length; position++) if (key.charCodeAt(position) >= ASCII_LIMIT) return false
  return true
}

/**
 * HMAC-SHA-256 (RFC 2104) as two one-shot hashes over pads derived once: no Hmac object per call. An
 * ASCII key of at most one block is its own padded key, and XOR with either pad keeps it ASCII, so the
 * inner pad can be a string whose UTF-8 bytes are exactly the pad's bytes.
 */
function paddedHmac(key: string): Hmac {
  let innerPad = ''
  const outer = Buffer.alloc(SHA256_BLOCK_BYTES + SHA256_DIGEST_BYTES, OUTER_PAD)
  for (let position = 0; position < SHA256_BLOCK_BYTES; position++) {
    const keyByte = position < key.length ? key.charCodeAt(position) : 0
    innerPad += String.fromCharCode(keyByte ^ INNER_PAD)
    outer[position] = keyByte ^ OUTER_PAD
  }
  // Hex, not a Buffer, out of the inner hash: a Buffer result costs more than the hash itself.
  return (message) => {
    outer.write(hash('sha256', innerPad + message, 'hex'), SHA256_BLOCK_BYTES, 'hex')
    return hash('sha256', outer, 'base64url')
  }
}

/** Any other key: Node's HMAC, with the key imported once. */
function keyObjectHmac(key: string): Hmac {
  const secret = createSecretKey(Buffer.from(key, 'utf8'))
  return (message) => createHmac('sha256', secret).update(message).digest('base64url')
}

/** The category that indexes `userId`'s sessions: upstream's `auth-<id>`, or `auth:<tag>:<id>` under a registry id. */
export function categoryOf(keys: Pick<RegistryKeys, 'categoryPrefix'>, userId: string): string {
  return `${keys.categoryPrefix}${userId}`
}

/** The category that indexes the rotated-out tokens of `userId`'s sessions (see `rotatedCategoryPrefix`). */
export function rotatedCategoryOf(keys: Pick<RegistryKeys, 'rotatedCategoryPrefix'>, userId: string): string {
  return `${keys.rotatedCategoryPrefix}${userId}`
}
