import { html } from './html'

/** The stylesheet of every page, inline (the pages load nothing else). */
export const STYLE = html`<style>
  * {
    box-sizing: border-box;
  }
  body {
    margin: 0;
    font:
      15px/1.5 system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
    color: #1f2933;
    background: #f5f7fa;
  }
  header {
    background: #1f2933;
    color: #fff;
  }
  header .bar {
    max-width: 60rem;
    margin: 0 auto;
    padding: 0.6rem 1.2rem;
    display: flex;
    gap: 1.2rem;
    align-items: center;
  }
  header .brand {
    font-weight: 600;
    margin-right: auto;
  }
  header a {
    color: #cbd2d9;
    text-decoration: none;
  }
  header a:hover,
  header a[aria-current] {
    color: #fff;
  }
  main {
    max-width: 60rem;
    margin: 1.5rem auto;
    padding: 0 1.2rem;
  }
  h1 {
    font-size: 1.4rem;
    margin: 0 0 1rem;
  }
  .card {
    background: #fff;
    border: 1px solid #e4e7eb;
    border-radius: 8px;
    padding: 1.2rem;
  }
  .login {
    max-width: 22rem;
    margin: 3rem auto;
  }
  label {
    display: block;
    margin: 0.6rem 0 0.2rem;
    font-weight: 500;
  }
  input {
    width: 100%;
    padding: 0.5rem;
    border: 1px solid #cbd2d9;
    border-radius: 6px;
    font: inherit;
  }
  button {
    font: inherit;
    padding: 0.35rem 0.9rem;
    border-radius: 6px;
    border: 1px solid #cbd2d9;
    background: #fff;
    cursor: pointer;
    white-space: nowrap;
  }
  button:hover {
    background: #f0f4f8;
  }
  button.primary {
    background: #2563eb;
    border-color: #2563eb;
    color: #fff;
    width: 100%;
    margin-top: 1rem;
    padding: 0.5rem;
  }
  header button {
    background: transparent;
    color: #cbd2d9;
    border-color: #52606d;
  }
  button.danger {
    color: #b91c1c;
    border-color: #f3b4b4;
  }
  .error {
    background: #fdecec;
    color: #8a1c1c;
    border-radius: 6px;
    padding: 0.5rem 0.8rem;
  }
  .notice {
    background: #e8f5ec;
    color: #1d5b34;
    border-radius: 6px;
    padding: 0.5rem 0.8rem;
    margin-bottom: 1rem;
  }
  .hint {
    color: #616e7c;
    font-size: 0.9rem;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    background: #fff;
    border: 1px solid #e4e7eb;
    border-radius: 8px;
  }
  th,
  td {
    text-align: left;
    padding: 0.55rem 0.8rem;
    border-bottom: 1px solid #e4e7eb;
    vertical-align: top;
  }
  th {
    font-size: 0.8rem;
    text-transform: uppercase;
    letter-spacing: 0.03em;
    color: #616e7c;
    white-space: nowrap;
  }
  td time {
    white-space: nowrap;
  }
  tr.current {
    background: #f0f6ff;
  }
  .badge {
    display: inline-block;
    margin-left: 0.4rem;
    padding: 0 0.45rem;
    border-radius: 999px;
    background: #2563eb;
    color: #fff;
    font-size: 0.75rem;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.35rem 1.2rem;
    margin: 0;
  }
  dt {
    color: #616e7c;
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  code {
    font-size: 0.85rem;
  }
  h1 code {
    font-size: 0.9em;
  }
  form.inline {
    display: inline;
    margin: 0;
  }
  .actions {
    margin-top: 1rem;
  }
</style>`
