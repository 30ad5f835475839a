/**
 * Paying a haca node from LangChain's `ChatOpenAI`: the SDK's paying fetch, passed in
 * `configuration.fetch`, pays the node's 402 from a payment channel and checks the node's signed
 * receipt on every answer before LangChain sees it.
 *
 * Usage: node --import tsx examples/pay-with-langchain.ts [--node URL] [--ledger URL] [--key FILE]
 *   (or HACA_NODE_URL, HACA_LEDGER_URL, HACA_KEY_FILE; defaults: `haca devnet`'s chat node,
 *   its ledger and its demo key)
 */
import { ChatOpenAI } from '@langchain/openai'
import { createPayingFetch, readKeyFile } from '../src/index.ts'
import { args, printReceipt } from './devnetArgs.ts'

const fetch = createPayingFetch({
  key: await readKeyFile(args.key),
  ledger: args.ledger,
  // The most this program puts into payment channels, in base units.
  budget: 10n,
  onReceipt: printReceipt,
})
const chat = new ChatOpenAI({ model: args.model, apiKey: 'not-needed', configuration: { baseURL: `${args.node}/v1`, fetch } })

const answer = await chat.invoke('Hello from LangChain')
console.log(`answer: ${answer.content}`)

let streamed = ''
for await (const chunk of await chat.stream('A streamed hello from LangChain')) streamed += chunk.content
console.log(`streamed: ${streamed}`)

fetch.close()
