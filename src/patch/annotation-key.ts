import { badInput } from '../errors.js';

export const DEFAULT_ANNOTATION = 'transparency.tenancy.x-k8s.io/clusterIP';

/** A Kubernetes annotation key that passed validation. */
export type AnnotationKey = string & { readonly __annotationKey: unique symbol };

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why `key` is not a valid annotation key, or null when it is. */
export function annotationKeyProblem(key: string): string | null {
  if (key === '') return 'it is empty';
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? null : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== null) {
    if (prefix === '') return 'the prefix before "/" is empty';
    if (prefix.length > 253) return `the prefix is ${prefix.length} characters long (at most 253)`;
    if (!prefix.split('.').every((label) => label.length <= 63 && DNS_LABEL.test(label))) {
      return `the prefix "${prefix}" is not a DNS subdomain (lower-case labels of a-z, 0-9 and "-", separated by ".")`;
    }
  }
  if (name === '') return 'the name after "/" is empty';
  if (name.length > 63) return `the name is ${name.length} characters long (at most 63)`;
  if (!NAME.test(name)) {
    return `the name "${name}" must consist of A-Z, a-z, 0-9, ".", "_" and "-", beginning and ending with a letter or digit`;
  }
  return null;
}

export function parseAnnotationKey(key: string): AnnotationKey {
  const problem = annotationKeyProblem(key);
  if (problem !== null) {
    throw badInput(
      `invalid annotation key ${JSON.stringify(key)}: ${problem}`,
      'BAD_ANNOTATION_KEY',
      'an annotation key is an optional DNS-subdomain prefix and "/", then a name of up to 63 characters, e.g. transparency.tenancy.x-k8s.io/clusterIP',
    );
  }
  return key as AnnotationKey;
}

/** The key as a Go interpreted string literal. Valid keys hold only [A-Za-z0-9._/-], so no escaping is needed. */
export function goStringLiteral(key: AnnotationKey): string {
  return `"${key}"`;
}

/** Reads a Go interpreted string literal back (as our markers carry it). */
export function fromGoStringLiteral(literal: string): string {
  return JSON.parse(literal) as string;
}
