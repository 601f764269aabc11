/** The medium's offline package pool (issue 10): download, archive, sign, and the plan-time key check. */
export {
  downloadPoolPackages,
  readPoolSystem,
  type PoolChainOptions,
  type PoolDownload,
} from './download.ts';
export {
  makePoolArchive,
  type PoolArchive,
  type PoolArchiveOptions,
  type PoolSigningKey,
} from './archive.ts';
export { checkPoolKey, POOL_KEY_IMAGE_PATH, type PoolSignSettings } from './key.ts';
export type { ChainSystem } from './chain.ts';
export { checkPoolDebs, readDebControl, type PooledDeb } from './packages.ts';
export type { DebControl } from './layout.ts';
