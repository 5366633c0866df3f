// source/: the only code that runs git (through simple-git): tags of a remote, go.mod minimums,
// shallow single-tag checkouts in the cache, and the copy of a `--source` tree.
export { checkoutsDir, defaultCacheDir, goMinimumFile, tagsDir } from './cache.js';
export { type CheckoutOptions, checkoutRelease, type HeldCheckout, withCheckout } from './checkout.js';
export { commitTime } from './commit-time.js';
export { type CopySourceOptions, copySource, type SourceCopy } from './copy-source.js';
export type { GitOptions, Log } from './git.js';
export {
  type GoMinimumOptions,
  goForTags,
  goMinimumForTags,
  goOfTree,
  type TagGo,
  tagGoFromFiles,
} from './go-minimum.js';
export { knownVersions, rememberTags } from './known-tags.js';
export { listRemoteTags, parseLsRemote, type RemoteTag } from './tags.js';
export {
  DEFAULT_REPO_URL,
  type RepoTransport,
  repoKey,
  repoTransport,
  resolveRepoUrl,
  withoutCredentials,
} from './url.js';
