/**
 * haca's browser entry point (`import … from 'haca/browser'`): the SDK's verification code,
 * with no `node:` module and no native code in anything it reaches. Check a node's signed
 * receipt, a client's payment voucher, a receipt's place in a settlement batch (Merkle
 * proofs), a ledger state proof against a block's app hash, a Nitro attestation document
 * (AWS's or a simulated enclave's: certificate chain to a pinned root, COSE signature, over
 * WebCrypto) and an attestation's policy and key binding, in a page, a worker or an extension.
 *
 * Bundlers (esbuild, Vite, webpack, Rollup) read package.json's `browser` field, which swaps
 * the Node implementations of secp256k1, hashing and byte helpers (libsecp256k1, node:crypto,
 * Buffer) for @noble/curves, @noble/hashes and plain JavaScript, with the same results.
 *
 * @example
 * import { receiptFromJson, verifyReceipt } from 'haca/browser'
 * const receipt = receiptFromJson(await (await fetch(`${node}/v1/receipts/${id}`)).json())
 * const verdict = verifyReceipt(receipt, { node: registeredAddress })
 * if (!verdict.ok) throw new Error(`receipt ${verdict.failed}: ${verdict.reason}`)
 */
export {
  type Receipt, type ReceiptJson, type UnsignedReceipt, type VerifyReceiptExpectations, type VerifyReceiptResult, type ReceiptCheck,
  InvalidReceiptError, RECEIPT_DOMAIN, RECEIPT_VERSION, verifyReceipt, recoverReceiptSigner, receiptDigest, encodeReceipt, decodeReceipt,
  receiptFromHex, receiptToHex, receiptFromJson, receiptToJson,
} from './protocol/receipt.ts'
export { type InferenceMode, INFERENCE_MODES } from './protocol/modes.ts'
export { canonicalJson, hashRequest } from './protocol/canonicalJson.ts'
export { HPKE_CONTENT_TYPE, PAID_HEADER, RECEIPT_EVENT, RECEIPT_HEADER, RECEIPT_ID_HEADER, VOUCHER_HEADER } from './protocol/http.ts'
export {
  type Voucher, type SignedVoucher, type ChannelTerms, type CheckVoucherParameters,
  voucherDigest, encodeVoucher, voucherToHex, decodeVoucher, verifyVoucher, checkVoucher,
} from './protocol/voucher.ts'
export { type MerkleProof, merkleLeaf, merkleRoot, merkleProof, verifyMerkleProof } from './protocol/merkle.ts'
export { verifyStateProof } from './ledger/state/verifyStateProof.ts'
export {
  type AttestationPolicy, type CheckAttestationPolicyParameters, type VerifiedAttestation, type NitroMeasurement, type TdxMeasurement, type SgxMeasurement,
  checkAttestationPolicy,
} from './attestation/checkAttestationPolicy.ts'
export { attestationBindingDigest, dcapReportData } from './attestation/keyBinding.ts'
export {
  type NitroAttestation, type VerifyNitroDocumentParameters, type VerifyNitroDocumentAsyncReturnType, type VerifyNitroDocumentAsyncErrorType,
  verifyNitroDocumentAsync,
} from './attestation/verifyNitroDocumentAsync.ts'
export {
  type VerifyNitroAttestationAsyncParameters, type VerifyNitroAttestationAsyncReturnType, verifyNitroAttestationAsync,
} from './attestation/verifyNitroAttestationAsync.ts'
export { AWS_NITRO_ROOT_G1_FINGERPRINT, certificateFingerprint } from './attestation/trustAnchors.ts'
export {
  type AttestationErrorCode, ATTESTATION_ERROR_CODES, AttestationError, MalformedDocumentError, UntrustedRootError, CertificateChainError,
  CertificateExpiredError, BadSignatureError,
} from './attestation/errors.ts'
export { type Address, parseAddress, recoverAddress, recoverPublicKey, addressOfPublicKey, verifyDigest } from './core/keys.ts'
export { type Hex, fromHex, toHex, utf8 } from './core/bytes.ts'
export { keccak256, sha256 } from './core/hash.ts'
export { BaseError } from './core/errors.ts'
