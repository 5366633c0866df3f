// The types of the attestations vc-coredns attaches (kept apart from sbom.ts, whose CycloneDX library is
// heavy to load: sinks and readers need only these names).

/** The media and artifact type of a CycloneDX JSON SBOM. */
export const SBOM_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
/** The in-toto predicate type of a CycloneDX SBOM (what cosign calls `--type cyclonedx`). */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';
