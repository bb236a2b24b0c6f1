import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** The password of both demo users. The app itself keeps only scrypt hashes of it (below). */
export const DEMO_PASSWORD = 'correct-horse'

/** A user of the demo. */
export interface DemoUser {
  /** What the user types to sign in; also the id the sessions are kept under. */
  username: string
  /** How the pages greet them. */
  name: string
}

interface StoredUser extends DemoUser {
  /** `scrypt$N$r$p$salt$key`, salt and key in base64url. */
  passwordHash: string
}

// Hashes of DEMO_PASSWORD, each with its own random salt, as a user table would hold them.
const USERS: readonly StoredUser[] = [
  {
    username: 'alice',
    name: 'Alice',
    passwordHash: 'scrypt$16384$8$1$Y2JmZ4a7MbezXRNRz4HcmA$xWk5w9NtxclhEyzjHXj3SsdKGy1BVbCt1N2oXIv5bKo'
  },
  {
    username: 'bob',
    name: 'Bob',
    passwordHash: 'scrypt$16384$8$1$6jbHqJ_b6NG-WBhMDuUOAg$hnnxiv_nnhgG3MhPy2-PEsbXaD-pYIK6q5fOPaw1WKs'
  }
]

// The hash of a random password nobody knows: checked for unknown usernames so they cost the same time.
const DECOY_HASH = 'scrypt$16384$8$1$nQt2cs_7XdR-y3Rf005FSQ$zucqLRop2p5ZdTYg_SEhaFmbdJW3xLDq-9O-_iH86u8'

/** The demo users, without their password hashes. */
export const DEMO_USERS: readonly DemoUser[] = USERS.map(({ username, name }) => ({ username, name }))

/** The user with this username, if there is one. */
export function findUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username)
}

function deriveKey(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

async function matchesHash(password: string, passwordHash: string): Promise<boolean> {
  const [, N, r, p, salt, key] = passwordHash.split('$')
  const expected = Buffer.from(key, 'base64url')
  const actual = await deriveKey(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p)
  })
  // Constant-time: how long the comparison takes says nothing about how much of the key matched.
  return timingSafeEqual(actual, expected)
}

// The cost of new hashes, as the stored ones were made.
const SCRYPT_COST = { N: 16384, r: 8, p: 1 }
const KEY_BYTES = 32

/** The shortest password the change-password page accepts. */
export const MIN_PASSWORD_LENGTH = 8

/**
 * The demo's password table: the stored hashes to start with, and the passwords changed since, per app
 * and in memory only (a restart brings back the demo password).
 */
export class PasswordTable {
  readonly #hashes = new Map(USERS.map((user) => [user.username, user.passwordHash]))

  /** The user these credentials belong to, or `undefined` when the username or the password is wrong. */
  async verify(username: string, password: string): Promise<DemoUser | undefined> {
    const stored = this.#hashes.get(username)
    // An unknown username still pays for one scrypt, so response times do not tell which usernames exist.
    const matches = await matchesHash(password, stored ?? DECOY_HASH)
    return stored && matches ? findUser(username) : undefined
  }

  /** Replaces a user's password: a new scrypt hash with a fresh random salt. */
  async change(username: string, password: string): Promise<void> {
    const salt = randomBytes(16)
    const key = await deriveKey(password, salt, KEY_BYTES, SCRYPT_COST)
    const { N, r, p } = SCRYPT_COST
    this.#hashes.set(username, `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`)
  }
}
