/**
 * `createPayingFetch({ key, ledger, budget })`: a `fetch` to hand to stock OpenAI-compatible
 * clients (the `openai` package, the Vercel AI SDK, LangChain) so that they can use haca nodes
 * that charge. On a node's 402 it pays with a voucher from a payment channel it opens (and tops
 * up) on the ledger, and sends the request again; on every answer of a paid route
 * (`/v1/chat/completions`, `/v1/completions`, `/v1/infer`) it verifies the node's signed receipt
 * before the client sees it: the `x-haca-receipt` header of a plain answer, the `haca.receipt`
 * event that ends a stream. A receipt that does not verify is an error (thrown, or ending the
 * stream), and that node is paid nothing more. Stock clients never hand their Response back, so
 * verified receipts are reported through `onReceipt` (and `receiptOf(response)` where a client
 * does expose it, e.g. openai's `.withResponse()`).
 *
 * Once a node's terms are known (price, payee) later requests carry their voucher at once,
 * without the 402 round trip. When the fetch will not pay (budget spent, price above `maxPrice`,
 * a 402 naming another payee or chain) it answers 402 itself in OpenAI's error shape with
 * `x-should-retry: false`: stock clients then raise an API error with that code and do not retry.
 */
import type { Hex } from '../../core/bytes.ts'
import { BaseError } from '../../core/errors.ts'
import type { KeyFile } from '../../core/keyfile.ts'
import type { Address } from '../../core/keys.ts'
import { VOUCHER_HEADER } from '../../protocol/http.ts'
import { type Receipt, receiptFromJson } from '../../protocol/receipt.ts'
import { ReceiptVerificationError } from '../errors.ts'
import { LedgerRpc } from '../ledger/ledgerRpc.ts'
import type { NodeInfo, StaticNode } from '../nodeDirectory.ts'
import { readSignedAnswer } from '../readSignedAnswer.ts'
import { verifyAnswer } from '../verifyAnswer.ts'
import { type ChannelPayment, ChannelFunds } from './channelFunds.ts'
import { DistrustedNodeError } from './errors.ts'
import { NodeIdentities } from './nodeIdentities.ts'
import { type PaidRequest, readPaidRequest, termsKey } from './paidRequest.ts'
import { type RefusalCode, readPaymentTerms, refusalResponse } from './paymentTerms.ts'
import { verifiedEventStream } from './verifiedEventStream.ts'

/** An answer whose receipt verified. */
export type PaidAnswer = {
  receipt: Receipt
  /** The URL the client asked. */
  url: string
  /** The address that signed the receipt: the node's registered (or pinned) signing key. */
  node: Address
  stream: boolean
  /** What this request paid, and the channel's cumulative after it; absent when the node asked nothing. */
  payment?: { channelId: Hex; price: bigint; cumulative: bigint }
}

export type CreatePayingFetchParameters = {
  /** The client's key: it opens the channels and signs the vouchers. */
  key: KeyFile
  /** The ledger: its RPC URL or a connected client. Nodes are looked up in its registry, channels opened on it. */
  ledger: string | LedgerRpc
  /** The most this fetch escrows in channels in all (opens and top-ups, every node), in base units. */
  budget: bigint
  /** What each open and top-up escrows (less when the budget has less left); default: the whole budget at once. */
  deposit?: bigint
  /** The most one request may cost; a node asking more gets nothing (a 402 `price_above_limit`). */
  maxPrice?: bigint
  /** Keeps the channels and vouchers on disk (0600 JSON), so a restarted program reuses its channels; default: in memory. */
  stateFile?: string
  /** Nodes not in the ledger's registry: the URL and the address whose key signs their receipts (and that channels name). */
  nodes?: StaticNode[]
  /** Called with every verified receipt: for a plain answer before the client gets it, for a stream when it has been read to the end. */
  onReceipt?: (answer: PaidAnswer) => void
  /** The fetch underneath; default: the global one. */
  fetch?: typeof globalThis.fetch
}

export type CreatePayingFetchReturnType = typeof globalThis.fetch & {
  /** The verified answer behind a Response this fetch returned (settles when a stream has been read to the end); undefined for other responses. */
  receiptOf(response: Response): Promise<PaidAnswer> | undefined
  /** What this fetch has escrowed in channels so far. */
  readonly escrowed: bigint
  /** Closes the ledger connection this fetch opened. */
  close(): void
}

export type CreatePayingFetchErrorType =
  | ReceiptVerificationError
  | DistrustedNodeError
  | import('./errors.ts').UnknownNodeError
  | import('../ledger/ledgerRpc.ts').RpcError
  | import('../ledger/ledgerRpc.ts').TxRejectedError

/**
 * @example
 * import OpenAI from 'openai'
 * import { createPayingFetch, readKeyFile } from 'haca'
 *
 * const fetch = createPayingFetch({
 *   key: await readKeyFile('keys/demo.json'),
 *   ledger: 'http://127.0.0.1:26657',
 *   budget: 1_000n,
 *   onReceipt: ({ receipt, node }) => console.log(`receipt ${receipt.id} signed by ${node}`),
 * })
 * const openai = new OpenAI({ baseURL: 'http://127.0.0.1:31418/v1', apiKey: 'unused', fetch })
 * const answer = await openai.chat.completions.create({ model: 'standin-chat', messages: [{ role: 'user', content: 'hi' }] })
 */
export function createPayingFetch(params: CreatePayingFetchParameters): CreatePayingFetchReturnType {
  const { key, budget, deposit = params.budget, maxPrice, onReceipt } = params
  if (budget <= 0n || deposit <= 0n) throw new BaseError(`budget and deposit must be above 0 (got ${budget} and ${deposit})`, { code: 'invalid_budget' })
  const base = params.fetch ?? globalThis.fetch
  let connecting: Promise<LedgerRpc> | undefined
  const ledger = (): Promise<LedgerRpc> => {
    if (typeof params.ledger !== 'string') return Promise.resolve(params.ledger)
    connecting ??= LedgerRpc.connect(params.ledger)
    connecting.catch(() => { connecting = undefined })
    return connecting
  }
  const funds = new ChannelFunds({ key, ledger, budget, deposit, stateFile: params.stateFile })
  const identities = new NodeIdentities(ledger, params.nodes)
  /** Per node, route and model: whom to pay and how much, learned from a 402. */
  const knownTerms = new Map<string, { payee: Address; price: bigint }>()
  const distrusted = new Map<string, ReceiptVerificationError>()
  const answers = new WeakMap<Response, Promise<PaidAnswer>>()

  const send = (req: PaidRequest, voucher: string | undefined): Promise<Response> => {
    const headers = new Headers(req.init.headers)
    if (voucher) headers.set(VOUCHER_HEADER, voucher)
    return base(req.url, { ...req.init, method: 'POST', headers, body: req.body })
  }

  /** Checks a 402's terms and pays them; a Response when the fetch will not. */
  const payFor = async (req: PaidRequest, res: Response): Promise<ChannelPayment | Response> => {
    const text = await res.text()
    const parsed = readPaymentTerms(parseJson(text))
    if (!parsed) return rebuilt(res, text)
    const { terms, price } = parsed
    const identity = await identities.of(req.origin)
    const refuse = (code: RefusalCode, message: string) => refusalResponse(code, `not paying node ${req.origin}: ${message}`, terms)
    if (terms.requestHash.toLowerCase() !== req.requestHash) return refuse('request_hash_mismatch', `it hashed this request as ${terms.requestHash}, this fetch as ${req.requestHash} (was the body changed on the way?)`)
    if (terms.payTo.toLowerCase() !== identity.payee.toLowerCase()) return refuse('pay_to_mismatch', `it asks to be paid at ${terms.payTo}, but the node at this URL is ${identity.payee}`)
    if (maxPrice !== undefined && price > maxPrice) return refuse('price_above_limit', `it asks ${price} for this request, above the limit of ${maxPrice}`)
    const chainId = await funds.chainId()
    if (terms.chainId !== chainId) return refuse('chain_mismatch', `it takes payment on chain "${terms.chainId}", this fetch pays on "${chainId}"`)
    knownTerms.set(termsKey(req), { payee: identity.payee, price })
    const paid = await funds.pay(identity.payee, price, req.requestHash)
    return 'refused' in paid ? refusalResponse(paid.code, paid.message, terms) : paid
  }

  const distrust = (origin: string, err: unknown): void => {
    if (err instanceof ReceiptVerificationError) distrusted.set(origin, err)
  }

  /** Verifies a 2xx answer's receipt: a plain answer here and now, a stream as it is read. */
  const verified = async (req: PaidRequest, res: Response, payment: ChannelPayment | undefined): Promise<Response> => {
    const identity = await identities.of(req.origin)
    const node: NodeInfo = { url: req.origin, address: identity.signer, models: [] }
    // A paid receipt may not claim more than was paid for it.
    const priceLimit = payment ? payment.price : maxPrice
    const answer = (receipt: Receipt, stream: boolean): PaidAnswer => ({
      receipt, url: req.url, node: identity.signer, stream,
      ...(payment ? { payment: { channelId: payment.channelId, price: payment.price, cumulative: payment.cumulative } } : {}),
    })
    if (res.body && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      let settle!: { resolve: (a: PaidAnswer) => void; reject: (e: unknown) => void }
      const done = new Promise<PaidAnswer>((resolve, reject) => { settle = { resolve, reject } })
      done.catch(() => {})
      const body = verifiedEventStream(res.body, async (data, responseHash) => {
        try {
          if (data === undefined) throw new ReceiptVerificationError({ node: req.origin, address: identity.signer, check: 'missing', reason: 'the stream ended without a receipt event' })
          let receipt: Receipt
          try {
            receipt = receiptFromJson(JSON.parse(data))
          } catch (err) {
            throw new ReceiptVerificationError({ node: req.origin, address: identity.signer, check: 'format', reason: err instanceof Error ? err.message : String(err) })
          }
          verifyAnswer({ node, receipt, requestHash: req.requestHash, responseHash, model: req.model, maxPrice: priceLimit })
          const a = answer(receipt, true)
          onReceipt?.(a)
          settle.resolve(a)
        } catch (err) {
          distrust(req.origin, err)
          settle.reject(err)
          throw err
        }
      })
      const out = rebuilt(res, body)
      answers.set(out, done)
      return out
    }
    let read: { bytes: Buffer; receipt: Receipt }
    try {
      read = await readSignedAnswer({ node, response: res, cancelTimeout: () => {}, requestHash: req.requestHash, model: req.model, maxPrice: priceLimit })
    } catch (err) {
      distrust(req.origin, err)
      throw err
    }
    const a = answer(read.receipt, false)
    onReceipt?.(a)
    const out = rebuilt(res, new Uint8Array(read.bytes))
    answers.set(out, Promise.resolve(a))
    return out
  }

  const payingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = await readPaidRequest(input, init)
    if (!req) return base(input, init)
    if ('passThrough' in req) return base(req.url, req.init)
    const bad = distrusted.get(req.origin)
    if (bad) throw new DistrustedNodeError({ node: req.origin, cause: bad })
    // Terms seen before: pay at once. If that cannot be done, the node's 402 says what it wants.
    let payment: ChannelPayment | undefined
    const known = knownTerms.get(termsKey(req))
    if (known) {
      const paid = await funds.pay(known.payee, known.price, req.requestHash)
      if (!('refused' in paid)) payment = paid
    }
    let res = await send(req, payment?.voucher)
    // A 402 is paid from its own terms and the request sent again, at most twice: the first 402
    // from a node, and one refusing a voucher (sent at once, or just now) because the price
    // changed or a concurrent request's voucher got there first.
    for (let tries = 0; res.status === 402 && tries < 2; tries++) {
      const paid = await payFor(req, res)
      if (paid instanceof Response) return paid
      payment = paid
      res = await send(req, paid.voucher)
    }
    if (!res.ok) return res
    return verified(req, res, payment)
  }

  return Object.defineProperties(payingFetch, {
    receiptOf: { value: (response: Response) => answers.get(response) },
    escrowed: { get: () => funds.escrowed },
    close: {
      value: () => {
        const rpc = connecting
        connecting = undefined
        rpc?.then((r) => r.disconnect(), () => {})
      },
    },
  }) as unknown as CreatePayingFetchReturnType
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The same answer with another body (read, or wrapped); the URL kept, length and encoding dropped since the body is decoded. */
function rebuilt(res: Response, body: ConstructorParameters<typeof Response>[0]): Response {
  const headers = new Headers(res.headers)
  headers.delete('content-length')
  headers.delete('content-encoding')
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers })
  Object.defineProperty(out, 'url', { value: res.url })
  return out
}
