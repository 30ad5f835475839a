/**
 * Paying a haca node from the Vercel AI SDK (`generateText`, `streamText`) through
 * `@ai-sdk/openai-compatible`: the SDK's paying fetch pays the node's 402 from a payment channel
 * and checks the node's signed receipt on every answer before the AI SDK sees it.
 *
 * Usage: node --import tsx examples/pay-with-ai-sdk.ts [--node URL] [--ledger URL] [--key FILE]
 *   (or HACA_NODE_URL, HACA_LEDGER_URL, HACA_KEY_FILE; defaults: `haca devnet`'s chat node,
 *   its ledger and its demo key)
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText } from 'ai'
import { createPayingFetch, readKeyFile } from '../src/index.ts'
import { args, printReceipt } from './devnetArgs.ts'

const fetch = createPayingFetch({
  key: await readKeyFile(args.key),
  ledger: args.ledger,
  // The most this program puts into payment channels, in base units.
  budget: 10n,
  onReceipt: printReceipt,
})
const haca = createOpenAICompatible({ name: 'haca', baseURL: `${args.node}/v1`, fetch })

const { text } = await generateText({ model: haca(args.model), prompt: 'Hello from the AI SDK' })
console.log(`answer: ${text}`)

// streamText reports errors (a receipt that fails its check among them) through onError.
const result = streamText({ model: haca(args.model), prompt: 'A streamed hello from the AI SDK', onError: ({ error }) => { throw error } })
let streamed = ''
for await (const delta of result.textStream) streamed += delta
console.log(`streamed: ${streamed}`)

fetch.close()
