import { secp256k1 as native } from '../src/core/secp256k1.ts'
import { secp256k1 as noble } from '../src/core/secp256k1.browser.ts'
import { sha256 } from '../src/core/hash.ts'
import { toHex } from '../src/core/bytes.ts'
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const key = new Uint8Array(32); key[31] = 1
const d = sha256(Uint8Array.of(1))
const { signature } = native.ecdsaSign(d, key)
const s = BigInt(toHex(signature.subarray(32)))
const high = new Uint8Array(64); high.set(signature.subarray(0, 32))
const hs = N - s
for (let i = 0; i < 32; i++) high[32 + i] = Number((hs >> BigInt(8 * (31 - i))) & 0xffn)
const pub = native.publicKeyCreate(key, true)
console.log(s < N / 2n, native.ecdsaVerify(high, d, pub), noble.ecdsaVerify(high, d, pub), native.ecdsaVerify(signature, d, pub))
