/** Errors of the blob store, its HTTP client and the model hub. Codes are stable: the CLI prints them with --json. */
import { BaseError, redactUrl } from '../core/errors.ts'
import { classifyNetworkFailure, hintForNetworkFailure } from '../core/http/networkError.ts'

export class InvalidBlobIdError extends BaseError {
  override name = 'InvalidBlobIdError' as const
  constructor({ blobId }: { blobId: string }) {
    const shown = blobId.length > 60 ? `${blobId.slice(0, 57)}...` : blobId
    super(`"${shown}" is not a Walrus blob ID (43 characters of URL-safe base64 for 32 bytes)`, { code: 'invalid_blob_id' })
  }
}

export class BlobNotFoundError extends BaseError {
  override name = 'BlobNotFoundError' as const
  readonly blobId: string
  constructor({ blobId, url }: { blobId: string; url?: string }) {
    super(`blob ${blobId} not found${url ? ` at ${redactUrl(url)}` : ''}`, { code: 'blob_not_found' })
    this.blobId = blobId
  }
}

export class BlobTooLargeError extends BaseError {
  override name = 'BlobTooLargeError' as const
  constructor({ size, maxSize, url, serverMessage }: { size?: number; maxSize?: number; url?: string; serverMessage?: string }) {
    const what = size === undefined ? 'blob' : `blob of ${size} bytes`
    super(
      `${what} is over the ${maxSize === undefined ? "store's" : `${maxSize}-byte`} size limit${url ? ` of ${redactUrl(url)}` : ''}`,
      {
        code: 'blob_too_large',
        details: serverMessage,
        metaMessages: ['Split large files into chunks below the limit (the model hub does this).'],
      },
    )
  }
}

/** A blob's bytes do not hash to what the caller expected: corrupted, truncated or substituted. */
export class BlobIntegrityError extends BaseError {
  override name = 'BlobIntegrityError' as const
  readonly blobId: string
  constructor({ blobId, expected, actual, what = 'sha256', metaMessages }: { blobId: string; expected: string; actual: string; what?: string; metaMessages?: string[] }) {
    super(`blob ${blobId} failed verification: ${what} is ${actual}, expected ${expected}`, { code: 'blob_integrity', metaMessages })
    this.blobId = blobId
  }
}

/** The store refused a request, and a retry would not help (400, 403, 451, ...). */
export class BlobStoreRequestError extends BaseError {
  override name = 'BlobStoreRequestError' as const
  readonly status: number
  constructor({ status, url, message }: { status: number; url: string; message: string }) {
    super(`${redactUrl(url)} answered ${status}: ${message}`, { code: status === 451 ? 'blob_unavailable_legal' : 'blob_store_request' })
    this.status = status
  }
}

/** The store could not be reached or kept failing after retries (network errors, 5xx, 504). */
export class BlobStoreUnavailableError extends BaseError {
  override name = 'BlobStoreUnavailableError' as const
  constructor({ url, attempts, cause }: { url: string; attempts: number; cause?: unknown }) {
    const failure = classifyNetworkFailure(cause)
    const reason = failure ? `${failure.reason}${failure.systemCode ? ` (${failure.systemCode})` : ''}` : (cause instanceof Error ? cause.message : cause === undefined ? 'no answer' : String(cause))
    super(`blob store at ${redactUrl(url)} unavailable after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, {
      code: 'blob_store_unavailable',
      cause,
      hint: failure && hintForNetworkFailure(failure, { hint: 'Is a blob store running there? Start one with `haca node storage` (or `haca dev`), or pass --store URL (or set $HACA_STORAGE).', option: '--store URL (or $HACA_STORAGE)' }),
    })
  }
}

/** A model manifest is malformed or does not match the chunks it names. */
export class ModelManifestError extends BaseError {
  override name = 'ModelManifestError' as const
  constructor({ manifestBlobId, reason }: { manifestBlobId?: string; reason: string }) {
    super(`model manifest${manifestBlobId ? ` ${manifestBlobId}` : ''} is invalid: ${reason}`, { code: 'model_manifest_invalid' })
  }
}
