/**
 * The one base error of haca. Every error the project throws on purpose is a subclass with a
 * literal `name` and a stable `code`, so callers (and the CLI's `--json` output) can tell
 * failures apart without parsing messages.
 *
 * @example
 * class NotFoundError extends BaseError {
 *   override name = 'NotFoundError' as const
 *   constructor({ what }: { what: string }) { super(`${what} not found`, { code: 'not_found' }) }
 * }
 */
export type BaseErrorParameters = {
  /** Stable machine-readable identifier, e.g. `tx_bad_signature`. */
  code?: string
  cause?: unknown
  /** Extra context for humans; never secrets. */
  details?: string
  metaMessages?: string[]
  /** What the user can do about it ("is a node running there? …"); the CLI prints it apart from the message. */
  hint?: string
}

export class BaseError extends Error {
  override name = 'BaseError'
  readonly code: string
  readonly shortMessage: string
  readonly details?: string
  readonly metaMessages?: string[]
  readonly hint?: string

  constructor(shortMessage: string, params: BaseErrorParameters = {}) {
    const lines = [shortMessage]
    if (params.metaMessages?.length) lines.push('', ...params.metaMessages)
    if (params.details) lines.push('', `Details: ${params.details}`)
    super(lines.join('\n'), params.cause === undefined ? undefined : { cause: params.cause })
    this.shortMessage = shortMessage
    this.code = params.code ?? 'error'
    this.details = params.details
    this.metaMessages = params.metaMessages
    this.hint = params.hint
  }

  toJSON(): { name: string; code: string; message: string; hint?: string } {
    return { name: this.name, code: this.code, message: this.shortMessage, ...(this.hint ? { hint: this.hint } : {}) }
  }
}

/** Removes user:password@ from URLs before they are printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.username || u.password) {
      u.username = ''
      u.password = ''
    }
    return u.toString()
  } catch {
    return url
  }
}
