// Express 4 is installed under an npm alias for the cross-version suite; its API is typed as Express's.
declare module 'express4' {
  import express from 'express'
  export default express
}
