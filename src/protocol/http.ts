/**
 * Names that cross HTTP between clients and nodes: headers, the SSE event that carries a
 * stream's receipt, and content types. Nodes write them, the SDK reads them; both import them
 * from here so that neither can drift.
 */

/** Response header: 0x hex of the receipt's wire form, on every non-streamed answer. */
export const RECEIPT_HEADER = 'x-haca-receipt'
/** Response header: the receipt's id (what `GET /v1/receipts/:id` takes). */
export const RECEIPT_ID_HEADER = 'x-haca-receipt-id'
/** Request header: the payment voucher (0x hex of its RLP encoding). */
export const VOUCHER_HEADER = 'x-haca-voucher'
/** Response header on a paid answer: the cumulative amount the node accepted. */
export const PAID_HEADER = 'x-haca-paid'
/** The SSE event name of the receipt that ends a stream (after `data: [DONE]`, where OpenAI clients stop reading). */
export const RECEIPT_EVENT = 'haca.receipt'
/** A request or answer body sealed with HPKE to the node's attested key. */
export const HPKE_CONTENT_TYPE = 'application/haca-hpke'
