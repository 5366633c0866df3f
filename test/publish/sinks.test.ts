// sinkFor makes the sink of each output; fanOutSink is current only when every target holds the same
// image, and can tell only when every target can.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbomArtifact } from '../../src/attest/artifact.js';
import { readAttestations } from '../../src/attest/read.js';
import { fanOutSink, ociLayoutSink, parseOutputs, sinkFor } from '../../src/publish/index.js';
import { RegistryClient } from '../../src/registry/client.js';
import { AMD64, fakeImage } from '../image/fake-image.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-sinks-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const deps = {
  registry: () => new RegistryClient(),
  docker: () => {
    throw new Error('no daemon here');
  },
  platform: AMD64,
};

describe('sinkFor', () => {
  it('one sink per image output, named as progress lines name it; none for binaries:', () => {
    const outputs = parseOutputs(
      { output: ['oci:oci', 'docker-archive:a.tar', 'binaries:bin'], push: ['127.0.0.1:5000/coredns'] },
      work,
    );
    const sinks = outputs.map((o) => sinkFor(o, deps));
    expect(sinks.map((s) => s?.name ?? null)).toEqual([
      `oci:${join(work, 'oci')}`,
      `docker-archive:${join(work, 'a.tar')}`,
      null,
      'registry 127.0.0.1:5000/coredns',
    ]);
    // Only the layout and the registry can tell what they hold.
    expect(sinks.map((s) => Boolean(s?.current && s.addTag))).toEqual([true, false, false, true]);
  });
});

describe('fanOutSink', () => {
  it('writes to every target; current only when every one holds the same image', async () => {
    const a = ociLayoutSink(join(work, 'a'));
    const b = ociLayoutSink(join(work, 'b'));
    const fan = fanOutSink([a, b]);
    const one = fakeImage();
    const other = fakeImage([AMD64]);
    expect(await fan.current?.('v1')).toEqual({ held: null, problems: [] });

    await a.write(one, 'v1');
    expect((await fan.current?.('v1'))?.held).toBeNull();
    await b.write(other, 'v1');
    expect((await fan.current?.('v1'))?.held).toBeNull();

    expect(await fan.write(one, 'v1')).toEqual({
      refs: [`oci:${join(work, 'a')}:v1`, `oci:${join(work, 'b')}:v1`],
      digest: one.digest,
    });
    const held = (await fan.current?.('v1'))?.held;
    expect(held).toEqual({
      descriptor: expect.objectContaining({ digest: one.digest }),
      buildKey: 'k',
      refs: [`oci:${join(work, 'a')}:v1`, `oci:${join(work, 'b')}:v1`],
      manifests: one.manifests.map((m) => expect.objectContaining({ digest: m.manifest.descriptor.digest })),
    });
    if (!held) throw new Error('not held');
    expect((await fan.addTag?.(held, 'latest'))?.refs).toEqual([
      `oci:${join(work, 'a')}:latest`,
      `oci:${join(work, 'b')}:latest`,
    ]);
    expect((await b.current?.('latest'))?.held?.descriptor.digest).toBe(one.digest);
  });

  it('attaches artifacts (an SBOM) to every target that keeps them', async () => {
    const a = ociLayoutSink(join(work, 'att-a'));
    const b = ociLayoutSink(join(work, 'att-b'));
    const fan = fanOutSink([a, b]);
    const image = fakeImage();
    await fan.write(image, 'v1');
    const sbom = sbomArtifact({
      sbom: new TextEncoder().encode('{"bomFormat":"CycloneDX","specVersion":"1.6"}'),
      platform: AMD64,
      subject: image.index.descriptor,
      created: '2022-05-27T15:00:00Z',
    });
    await fan.attach?.([sbom], undefined);
    for (const s of [a, b]) {
      const read = await readAttestations((s.artifacts as NonNullable<typeof s.artifacts>)(), image.digest);
      expect(read.sboms.map((x) => x.digest)).toEqual([sbom.manifest.descriptor.digest]);
    }
  });

  it('cannot tell when one target cannot (a docker-archive is always written)', () => {
    const [output] = parseOutputs({ output: ['docker-archive:x.tar'] }, work);
    const archive = output && sinkFor(output, deps);
    if (!archive) throw new Error('no sink');
    const fan = fanOutSink([ociLayoutSink(join(work, 'c')), archive]);
    expect(fan.current).toBeUndefined();
    expect(fan.addTag).toBeUndefined();
  });
});
