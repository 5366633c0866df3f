/** The platforms built when --platforms is not given, for every era. */
export const DEFAULT_PLATFORMS = 'linux/amd64,linux/arm64';
