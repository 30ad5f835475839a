/**
 * The committed vector files, loaded as JSON modules (Node 20 and bundlers alike), so a browser
 * build gets them with the code and no file system.
 */
import batchEntries from './batch-entries.json' with { type: 'json' }
import batchSummary from './batch-summary.json' with { type: 'json' }
import channelId from './channel-id.json' with { type: 'json' }
import receiptId from './receipt-id.json' with { type: 'json' }
import receipt from './receipt.json' with { type: 'json' }
import requestHash from './request-hash.json' with { type: 'json' }
import settledBatch from './settled-batch.json' with { type: 'json' }
import tensor from './tensor.json' with { type: 'json' }
import voucher from './voucher.json' with { type: 'json' }
import type { VectorFile } from './check.ts'
import type { VectorFormat } from './impls.ts'

export const VECTOR_FILES = {
  'receipt': receipt,
  'request-hash': requestHash,
  'tensor': tensor,
  'receipt-id': receiptId,
  'channel-id': channelId,
  'voucher': voucher,
  'batch-entries': batchEntries,
  'batch-summary': batchSummary,
  'settled-batch': settledBatch,
} as unknown as Record<VectorFormat, VectorFile>
