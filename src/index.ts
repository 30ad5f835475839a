/**
 * haca's library entry point: the client SDK. Route inference to nodes, verify their signed
 * receipts, and check receipts yourself (e.g. ones fetched from `GET /v1/receipts/:id`).
 *
 * @example
 * import { HacaClient } from 'haca'
 * const client = new HacaClient({ nodes: [{ url: 'http://127.0.0.1:8080', address: '0x…' }] })
 * const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
 */
export { HacaClient, type HacaClientParameters, type HacaClientNodeSource } from './client/HacaClient.ts'
export type { HacaClientContext } from './client/clientContext.ts'
export { infer, type InferParameters, type InferReturnType, type InferErrorType } from './client/infer.ts'
export {
  createChatCompletion, type CreateChatCompletionParameters, type CreateChatCompletionReturnType, type CreateChatCompletionErrorType,
  type HacaAnswerInfo, type HacaRoutingOptions,
} from './client/createChatCompletion.ts'
export { HacaChatStream } from './client/chatStream.ts'
export { type NodeDirectory, type NodeInfo, type NodeModel, type StaticNode, StaticNodeDirectory, fetchNodeModels } from './client/nodeDirectory.ts'
export { RegistryNodeDirectory, type RegistryNodeDirectoryParameters, type RegistryParamsJson } from './client/registryNodeDirectory.ts'
export { verifyNodeAttestation, type VerifyNodeAttestationParameters, type VerifyNodeAttestationReturnType, type VerifyNodeAttestationErrorType } from './client/verifyNodeAttestation.ts'
export { AllNodesFailedError, EncryptedStreamError, NoNodeAvailableError, NodeAttestationError, NodeRequestError, NodeStreamStalledError, NodeTimeoutError, ReceiptVerificationError, StreamConsumedError } from './client/errors.ts'
export { type Receipt, type ReceiptJson, type UnsignedReceipt, type VerifyReceiptExpectations, type VerifyReceiptResult, type ReceiptCheck, InvalidReceiptError, RECEIPT_DOMAIN, RECEIPT_VERSION, verifyReceipt, recoverReceiptSigner, receiptDigest, encodeReceipt, decodeReceipt, receiptFromHex, receiptToHex, receiptFromJson, receiptToJson } from './protocol/receipt.ts'
export { type InferenceMode } from './protocol/modes.ts'
export { canonicalJson, hashRequest } from './protocol/canonicalJson.ts'
export type { Base64TensorJson, TensorInput, TensorJson, TensorType } from './protocol/tensor.ts'
export { base64Tensor } from './protocol/tensor.ts'
export { BaseError } from './core/errors.ts'
export { ChannelPayer, ChannelBudgetError, openChannel, topUpChannel } from './client/payments/channelPayer.ts'
export { type ClientPayments } from './client/payments/paymentHeaders.ts'
export {
  createPayingFetch, type CreatePayingFetchParameters, type CreatePayingFetchReturnType, type CreatePayingFetchErrorType, type PaidAnswer,
} from './client/payments/createPayingFetch.ts'
export { DistrustedNodeError, UnknownNodeError } from './client/payments/errors.ts'
export { PAYMENT_ERROR_TYPE, type PaymentRequiredBody, type PaymentTerms } from './protocol/paymentRequired.ts'
export { type KeyFile, readKeyFile } from './core/keyfile.ts'
export { HPKE_CONTENT_TYPE, PAID_HEADER, RECEIPT_EVENT, RECEIPT_HEADER, RECEIPT_ID_HEADER, VOUCHER_HEADER } from './protocol/http.ts'
export { getSettlement, waitForSettlement, type GetSettlementParameters, type GetSettlementReturnType } from './client/getSettlement.ts'
export { LedgerRpc } from './client/ledger/ledgerRpc.ts'
export {
  verifyReceiptReport,
  defaultAnswerCheckers,
  parseReceiptInput,
  InvalidAnswerError,
  type AnswerCheck,
  type AnswerChecker,
  type AnswerCheckContext,
  type CheckVerdict,
  type VerifyReceiptReportParameters,
  type VerifyReceiptReportReturnType,
  type VerifyReceiptReportErrorType,
} from './client/verifyReceiptReport.ts'
export { connectVerifiedLedger, InvalidTrustRootError, type LightClientConfig } from './client/verifiedLedger.ts'
export { LightClient, type LightClientOptions, type TrustRoot } from './client/light/client.ts'
export { MemoryLightStore, type LightStore } from './client/light/store.ts'
export { FileLightStore } from './client/light/fileStore.ts'
export { RpcLightBlockProvider, type LightBlockProvider } from './client/light/rpcProvider.ts'
export type { LightBlock, SignedHeader, Header, ValidatorSet, Fraction } from './client/light/types.ts'
