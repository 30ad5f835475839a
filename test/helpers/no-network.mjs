// Preloaded (NODE_OPTIONS=--import) into a CLI process that must not touch the network: any
// attempt to open a socket or resolve a name throws, so a command that works under it used none.
import net from 'node:net'
import dns from 'node:dns'

const refuse = () => {
  throw new Error('network disabled in this process (test/helpers/no-network.mjs)')
}
net.Socket.prototype.connect = refuse
net.connect = refuse
net.createConnection = refuse
dns.lookup = refuse
dns.promises.lookup = refuse
globalThis.fetch = async () => refuse()
