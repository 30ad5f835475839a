import type { Command } from 'commander'

// Filled by the storage/model-hub work: `haca model upload|list|show|download`.
export function registerModel(_program: Command): void {}
