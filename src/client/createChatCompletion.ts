/**
 * `client.chat.completions.create(params)`: OpenAI's chat-completions call, routed to a node
 * that serves the model, with the node's receipt verified before the answer is returned
 * (for a stream: when the stream has been read to the end). A stream resolves once its first
 * chunk has arrived; a node that then goes quiet for `streamIdleTimeoutMs` ends the iteration
 * with a NodeStreamStalledError.
 */
import { hashRequest } from '../protocol/canonicalJson.ts'
import type { Receipt } from '../protocol/receipt.ts'
import type { InferenceMode } from '../protocol/modes.ts'
import type { ChatRequest, ChatResponse, ChatStreamRequest } from '../protocol/chat.ts'
import { callNodes, postJson } from './callNodes.ts'
import { HacaChatStream } from './chatStream.ts'
import { readSignedAnswer } from './readSignedAnswer.ts'
import { paymentHeaders } from './payments/paymentHeaders.ts'
import type { HacaClientContext } from './clientContext.ts'
import { EncryptedStreamError } from './errors.ts'

/** What the SDK adds to OpenAI's parameters; these are not sent to the node. */
export type HacaRoutingOptions = {
  mode?: InferenceMode
  maxPrice?: bigint
  /** Encrypt the request to the node's attested HPKE key, answer encrypted too (not with `stream: true`). */
  encrypted?: boolean
}

export type CreateChatCompletionParameters = (ChatRequest | ChatStreamRequest) & HacaRoutingOptions

/** The verified receipt and the node that answered. */
export type HacaAnswerInfo = { receipt: Receipt; node: string }

export type CreateChatCompletionReturnType<P extends CreateChatCompletionParameters> =
  P extends { stream: true } ? HacaChatStream : ChatResponse & { haca: HacaAnswerInfo }

export type CreateChatCompletionErrorType = import('./errors.ts').ReceiptVerificationError | import('./errors.ts').AllNodesFailedError | import('./errors.ts').NoNodeAvailableError | import('./errors.ts').NodeRequestError | import('./errors.ts').NodeStreamStalledError

/**
 * @example
 * const res = await createChatCompletion(client, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
 * console.log(res.choices[0].message.content, res.haca.receipt.id)
 * for await (const chunk of await createChatCompletion(client, { model: 'gpt-4o-mini', messages, stream: true })) process.stdout.write(chunk.choices[0]?.delta?.content ?? '')
 */
export async function createChatCompletion<P extends CreateChatCompletionParameters>(client: HacaClientContext, params: P): Promise<CreateChatCompletionReturnType<P>> {
  const { mode, maxPrice, encrypted, ...request } = params
  if (encrypted && request.stream) throw new EncryptedStreamError()
  const body = JSON.stringify(request)
  const requestHash = hashRequest(request)
  const model = request.model
  const checkSigner = client.directory.checkReceiptSigner?.bind(client.directory)
  const result = await callNodes(client, { model, mode, maxPrice, kind: 'chat', encrypted }, async ({ node, model: offer }) => {
    const pay = await paymentHeaders(client.payments, node, offer.price, requestHash)
    const { response, cancelTimeout, abort } = await postJson(`${node.url}/v1/chat/completions`, body, client.timeoutMs, encrypted ? node.hpkePublicKey : undefined, pay)
    if (request.stream) {
      // The deadline covers the wait for the headers; from then on each wait for data is bounded
      // by the idle timeout, so a long stream may run on but a silent one may not. The first
      // chunk is read here, so a node that stalls or fails before it is retried on another node.
      cancelTimeout()
      const stream = new HacaChatStream(response, { node, requestHash, model, mode, maxPrice, checkSigner, idleTimeoutMs: client.streamIdleTimeoutMs, abort })
      await stream.start()
      return stream
    }
    const { bytes, receipt } = await readSignedAnswer({ node, response, cancelTimeout, requestHash, model, mode, maxPrice, checkSigner })
    const completion = JSON.parse(bytes.toString('utf8')) as ChatResponse
    return Object.assign(completion, { haca: { receipt, node: node.url } })
  })
  return result as CreateChatCompletionReturnType<P>
}
