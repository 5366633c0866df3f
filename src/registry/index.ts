export type {
  BlobPushResult,
  FetchedManifest,
  PulledImage,
  RegistryClientOptions,
  RepositoryAccess,
} from './client.js';
export { DEFAULT_CHUNK_THRESHOLD, RegistryClient, Repository } from './client.js';
export type { CredentialSource, Credentials, DockerCredentialOptions, HelperRunner } from './credentials.js';
export {
  anonymous,
  dockerCredentials,
  ENV_PASSWORD,
  ENV_USERNAME,
  normalizeServer,
  secretForms,
  staticCredentials,
} from './credentials.js';
export {
  apiHost,
  DOCKER_HUB,
  DOCKER_HUB_API,
  DOCKER_HUB_AUTH_KEY,
  formatRef,
  type ImageRef,
  isLoopback,
  parseRef,
  registryBaseUrls,
  repoName,
} from './ref.js';
export { type RemoteImage, readRemoteImage, registryBlobs } from './remote-image.js';
export { DEFAULT_RETRY, emptyStats, type RegistryStats, type RetryPolicy } from './transport.js';
