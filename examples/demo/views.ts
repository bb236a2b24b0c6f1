import type { ActiveSession, Session } from 'express-session-registry'
import { html, type SafeHtml } from './html'
import { STYLE } from './style'
import { describeUserAgent } from './userAgent'
import { LIVE_SCRIPT_PATH } from './live'
import type { DemoUser } from './users'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** "just now", "5 minutes ago", "in 30 days". */
function relativeTime(date: Date, now: number): string {
  const difference = date.getTime() - now
  const distance = Math.abs(difference)
  if (distance < MINUTE_MS) return 'just now'
  const [amount, unit] =
    distance < HOUR_MS
      ? [Math.round(distance / MINUTE_MS), 'minute']
      : distance < DAY_MS
        ? [Math.round(distance / HOUR_MS), 'hour']
        : [Math.round(distance / DAY_MS), 'day']
  const span = `${amount} ${unit}${amount === 1 ? '' : 's'}`
  return difference < 0 ? `${span} ago` : `in ${span}`
}

function time(date: Date | null, now: number): SafeHtml {
  if (!date) return html`never`
  const exact = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
  return html`<time datetime="${date.toISOString()}" title="${exact}">${relativeTime(date, now)}</time>`
}

function layout(title: string, user: DemoUser | undefined, body: SafeHtml, current?: string, script?: string): string {
  const nav = user
    ? html`<a href="/" ${current === '/' && html`aria-current="page"`}>Account</a>
        <a href="/sessions" ${current === '/sessions' && html`aria-current="page"`}>Your devices</a>
        <a href="/password" ${current === '/password' && html`aria-current="page"`}>Password</a>
        <form class="inline" method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : ''
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · express-session-registry demo</title>
        ${STYLE} ${script && html`<script src="${script}" defer></script>`}
      </head>
      <body>
        <header>
          <div class="bar"><span class="brand">express-session-registry demo</span>${nav}</div>
        </header>
        <main>${body}</main>
      </body>
    </html> `.value
}

/** The sign-in form; `error` is shown above it, `username` is kept in its field. */
export function loginPage(options: { username?: string; error?: string } = {}): string {
  const body = html`<div class="card login">
    <h1>Sign in</h1>
    ${options.error && html`<p class="error" role="alert">${options.error}</p>`}
    <form method="post" action="/login">
      <label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" required value="${options.username ?? ''}" />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button class="primary" type="submit">Sign in</button>
    </form>
    <p class="hint">Demo users: <code>alice</code> and <code>bob</code>, password <code>correct-horse</code>.</p>
  </div>`
  return layout('Sign in', undefined, body)
}

/** Who is signed in and the facts of this session. */
export function accountPage(user: DemoUser, session: Session, now = Date.now()): string {
  const device = describeUserAgent(session.userAgent)
  const body = html`<h1>Signed in as ${user.name} (<code>${user.username}</code>)</h1>
    <div class="card">
      <dl>
        <dt>Device name</dt>
        <dd>${session.data.deviceName ?? html`<span class="hint">not named</span>`}</dd>
        <dt>Session id</dt>
        <dd><code>${session.id}</code></dd>
        <dt>Device</dt>
        <dd>
          ${device}${session.userAgent && session.userAgent !== device && html`<br /><span class="hint">${session.userAgent}</span>`}
        </dd>
        <dt>First access</dt>
        <dd>${time(session.firstAccessed, now)} from <code>${session.firstIp ?? 'unknown'}</code></dd>
        <dt>Last access</dt>
        <dd>${time(session.lastAccessed, now)} from <code>${session.lastIp ?? 'unknown'}</code></dd>
        <dt>Expires</dt>
        <dd>${session.expiresAt ? html`${time(session.expiresAt, now)} (each use renews it)` : 'never'}</dd>
      </dl>
    </div>
    <form class="card" method="post" action="/device-name">
      <label for="deviceName">Name this device</label>
      <input id="deviceName" name="deviceName" maxlength="40" value="${session.data.deviceName ?? ''}" />
      <button type="submit">Save name</button>
    </form>
    <p class="actions"><a href="/sessions">See every device signed in as ${user.username} →</a></p>`
  return layout('Account', user, body, '/')
}

function deviceRow(session: ActiveSession, now: number): SafeHtml {
  const action = session.current
    ? html`<span class="hint">Current</span>`
    : html`<form class="inline" method="post" action="/sessions/${encodeURIComponent(session.id)}/revoke">
        <button class="danger" type="submit">Sign out</button>
      </form>`
  return html`<tr class="${session.current ? 'current' : ''}" data-session-id="${session.id}">
    <td title="${session.userAgent ?? ''}">
      ${session.data.deviceName && html`<strong class="device-name">${session.data.deviceName}</strong><br />`}
      ${describeUserAgent(session.userAgent)}${session.current && html`<span class="badge">This device</span>`}
    </td>
    <td>${time(session.lastAccessed, now)}</td>
    <td><code>${session.lastIp ?? 'unknown'}</code></td>
    <td>${time(session.firstAccessed, now)} from <code>${session.firstIp ?? 'unknown'}</code></td>
    <td>${session.expiresAt ? time(session.expiresAt, now) : 'never'}</td>
    <td>${action}</td>
  </tr>`
}

/** Messages the devices page shows after a redirect, chosen by key so no text comes from the URL. */
export const NOTICES = {
  revoked: 'That device is signed out.',
  'revoked-others': 'Every other device is signed out.',
  'password-changed': 'Your password is changed, and every other device is signed out.'
} as const

/** The user's live sessions, most recently used first, this one marked. */
export function devicesPage(
  user: DemoUser,
  sessions: readonly ActiveSession[],
  notice?: keyof typeof NOTICES,
  now = Date.now()
): string {
  const others = sessions.filter((session) => !session.current).length
  const body = html`<h1>Your devices</h1>
    ${notice && html`<p class="notice" role="status">${NOTICES[notice]}</p>`}
    <table>
      <thead>
        <tr>
          <th>Device</th>
          <th>Last active</th>
          <th>IP address</th>
          <th>Signed in</th>
          <th>Expires</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${sessions.map((session) => deviceRow(session, now))}
      </tbody>
    </table>
    ${
      others > 0 &&
      html`<form class="actions" method="post" action="/sessions/revoke-others">
        <button class="danger" type="submit">Sign out all other devices</button>
      </form>`
    }`
  // The page reloads itself when another device signs in or out (see live.ts).
  return layout('Your devices', user, body, '/sessions', LIVE_SCRIPT_PATH)
}

/** The change-password form, shown only after a recent sign-in; `error` is shown above it. */
export function passwordPage(user: DemoUser, error?: string): string {
  const body = html`<div class="card login">
    <h1>Change password</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <form method="post" action="/password">
      <label for="password">New password</label>
      <input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required />
      <label for="confirmation">New password again</label>
      <input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required />
      <button class="primary" type="submit">Change password</button>
    </form>
    <p class="hint">Every other device is signed out when the password changes.</p>
  </div>`
  return layout('Change password', user, body, '/password')
}

/** A page for an error status, with a way back. */
export function errorPage(status: number, message: string, user?: DemoUser): string {
  const body = html`<div class="card">
    <h1>${status}</h1>
    <p>${message}</p>
    <p><a href="${user ? '/' : '/login'}">Back</a></p>
  </div>`
  return layout(message, user, body)
}
