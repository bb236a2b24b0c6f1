import { SessionEngineError } from 'express-session-registry'

/** What the demo answers for an error that reached an error handler. */
export interface ErrorAnswer {
  status: number
  message: string
}

/**
 * Errors the request parsers raise: body-parser sets `status` and `type`; a body whose
 * `Content-Encoding` does not decode is a zlib error body-parser marks with a 4xx `status` and `expose`.
 */
interface ParserError {
  status: number
  type?: string
  expose?: boolean
}

const PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body has an unsupported encoding.',
  'charset.unsupported': 'The request body has an unsupported charset.',
  'parameters.too.many': 'The request body has too many fields.'
}

function isParserError(error: unknown): error is ParserError {
  const candidate = error as Partial<ParserError> | null
  if (typeof candidate?.status !== 'number' || candidate.status < 400 || candidate.status >= 500) return false
  return typeof candidate.type === 'string' || candidate.expose === true
}

/**
 * Maps an error to a status and a message safe to show: bad request bodies are the client's fault (4xx),
 * a session store that cannot be reached is 503, anything else is a 500 whose details stay in the log.
 */
export function answerFor(error: unknown): ErrorAnswer {
  if (isParserError(error)) {
    const known = error.type === undefined ? undefined : PARSER_MESSAGES[error.type]
    return { status: error.status, message: known ?? 'The request body cannot be read.' }
  }
  if (error instanceof SessionEngineError) {
    console.error(error.message)
    return { status: error.status, message: 'The session store is unavailable. Try again in a moment.' }
  }
  console.error(error)
  return { status: 500, message: 'Something went wrong.' }
}
