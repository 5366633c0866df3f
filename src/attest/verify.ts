// `verify`'s checks of the attestations stored beside an image: each platform's SBOM records exactly
// the Go build info of the /coredns in that platform's image (Go version, every module line, build
// settings) and that binary's hash; the provenance names the index and every platform manifest as
// subjects, and the commit and version the image's labels carry. Pure.
import { createHash } from 'node:crypto';
import { VcError } from '../errors.js';
import type { Platform } from '../types.js';
import { formatPlatform, samePlatform } from '../versions/platforms.js';
import { type GoBuildInfo, readGoBuildInfo } from './go-buildinfo.js';
import { SLSA_PROVENANCE_PREDICATE_TYPE, type SlsaProvenance } from './provenance.js';
import type { StoredAttestations } from './read.js';
import { parseSbom, sbomProblems } from './sbom-read.js';
import { IN_TOTO_STATEMENT_TYPE, type InTotoStatement, subjectDigests } from './statement.js';

export interface AttestationCheck {
  present: boolean;
  ok: boolean;
  problems: string[];
}

export interface VerifyAttestationsInput {
  indexDigest: string;
  images: { platform: Platform; manifestDigest: string; binary: Uint8Array | null }[];
  labels: Readonly<Record<string, string>>;
  stored: StoredAttestations;
}

function check(present: boolean, problems: string[]): AttestationCheck {
  return { present, ok: present && problems.length === 0, problems };
}

export function verifySboms(input: VerifyAttestationsInput): AttestationCheck {
  const { stored } = input;
  const problems = stored.problems.filter((p) => p.startsWith('sbom '));
  if (stored.sboms.length === 0) return check(false, ['no SBOM is attached']);
  for (const image of input.images) {
    const name = formatPlatform(image.platform);
    const found = stored.sboms.filter((s) => s.platform && samePlatform(s.platform, image.platform));
    if (found.length === 0) {
      problems.push(`${name}: no SBOM`);
      continue;
    }
    if (image.binary === null) {
      problems.push(`${name}: the image has no /coredns to compare the SBOM with`);
      continue;
    }
    let buildInfo: GoBuildInfo;
    try {
      buildInfo = readGoBuildInfo(image.binary);
    } catch (e) {
      problems.push(`${name}: /coredns: ${(e as Error).message}`);
      continue;
    }
    const binarySha256 = createHash('sha256').update(image.binary).digest('hex');
    // Every SBOM attached for the platform must hold: an extra, wrong one is as misleading as a wrong one.
    for (const s of found) {
      try {
        for (const p of sbomProblems(parseSbom(s.bytes), {
          buildInfo,
          binarySha256,
          manifestDigest: image.manifestDigest,
        })) {
          problems.push(`${name}: SBOM ${s.digest.slice(0, 19)} ${p}`);
        }
      } catch (e) {
        if (!(e instanceof VcError)) throw e;
        problems.push(`${name}: ${e.message}`);
      }
    }
  }
  return check(true, problems);
}

function parseStatement(bytes: Uint8Array): InTotoStatement<SlsaProvenance> | null {
  try {
    const s = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes),
    ) as InTotoStatement<SlsaProvenance>;
    return s && s._type === IN_TOTO_STATEMENT_TYPE && Array.isArray(s.subject) ? s : null;
  } catch {
    return null;
  }
}

export function verifyProvenance(input: VerifyAttestationsInput): AttestationCheck {
  const { stored } = input;
  const problems = stored.problems.filter((p) => p.startsWith('provenance '));
  if (stored.provenance.length === 0) return check(false, ['no provenance is attached']);
  const want = [input.indexDigest, ...input.images.map((i) => i.manifestDigest)].sort();
  for (const p of stored.provenance) {
    const at = `provenance ${p.digest.slice(0, 19)}`;
    const s = parseStatement(p.bytes);
    if (!s) {
      problems.push(`${at} is not an in-toto statement`);
      continue;
    }
    if (s.predicateType !== SLSA_PROVENANCE_PREDICATE_TYPE) {
      problems.push(`${at} has predicate type ${s.predicateType}`);
      continue;
    }
    const got = subjectDigests(s).sort();
    if (got.join() !== want.join()) {
      for (const d of want) if (!got.includes(d)) problems.push(`${at} does not name ${d} as a subject`);
      for (const d of got)
        if (!want.includes(d)) problems.push(`${at} names ${d}, which is not part of the image`);
    }
    const def = s.predicate?.buildDefinition;
    const commit = (def?.internalParameters as { commit?: unknown } | undefined)?.commit;
    const revision = input.labels['org.opencontainers.image.revision'];
    if (revision !== undefined && commit !== revision) {
      problems.push(`${at} names the commit ${String(commit)}, the image's label ${revision}`);
    }
    const version = (def?.externalParameters as { version?: unknown } | undefined)?.version;
    const labelVersion = input.labels['org.opencontainers.image.version'];
    if (labelVersion !== undefined && version !== labelVersion) {
      problems.push(`${at} names the version ${String(version)}, the image's label ${labelVersion}`);
    }
  }
  return check(true, problems);
}
