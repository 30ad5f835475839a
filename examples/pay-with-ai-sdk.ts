/**
 * Paying a haca node from the Vercel AI SDK (`generateText`, `streamText`) through
 * `@ai-sdk/openai-compatible`: the SDK's paying fetch pays the node's 402 from a payment channel
 * and checks the node's signed receipt on every answer before the AI SDK sees it.
 *
 * Usage: node --import tsx examples/pay-with-ai-sdk.ts [--node URL] [--ledger URL] [--key FILE]
 *   (or HACA_NODE_URL, HACA_LEDGER_URL, HACA_KEY_FILE; defaults: `haca devnet`'s chat node,
 *   its ledger and its demo key)
 */
import { homedir } from 'node:os'
import { parseArgs } from 'node:util'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { generateText, streamText } from 'ai'
import { createPayingFetch, readKeyFile } from '../src/index.ts'

const { values: args } = parseArgs({
  options: {
    node: { type: 'string', default: process.env.HACA_NODE_URL ?? 'http://127.0.0.1:31418' },
    ledger: { type: 'string', default: process.env.HACA_LEDGER_URL ?? 'http://127.0.0.1:26657' },
    key: { type: 'string', default: process.env.HACA_KEY_FILE ?? `${homedir()}/.haca/devnet/keys/demo.json` },
    model: { type: 'string', default: 'standin-chat' },
  },
})

const fetch = createPayingFetch({
  key: await readKeyFile(args.key),
  ledger: args.ledger,
  // The most this program puts into payment channels, in base units.
  budget: 10n,
  onReceipt: ({ receipt, node, stream, payment }) =>
    console.log(`verified receipt ${receipt.id} for a ${stream ? 'streamed' : 'plain'} answer, signed by ${node}, paid ${payment?.price ?? 0n} on channel ${payment?.channelId ?? '-'} (${payment?.cumulative ?? 0n} in all)`),
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
