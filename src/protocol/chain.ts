/** Limits on chain-wide values that signed messages of several formats carry (transactions, vouchers, batch digests). */

/** A chain id is 1 to 64 bytes of UTF-8: the ledger's genesis refuses longer ones, and decoders refuse them in any message. */
export const MAX_CHAIN_ID_BYTES = 64
