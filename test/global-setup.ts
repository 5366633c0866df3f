import { execa } from 'execa';
import { ensureCosign } from './support/cosign.js';

/**
 * Tests run the compiled CLI: build it once before they start (VC_TEST_PREBUILT=1 skips that). The
 * signing tests need cosign: installed here once per machine and version (cached after that).
 */
export default async function setup(): Promise<void> {
  if (process.env.VC_TEST_PREBUILT !== '1')
    await execa('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  await ensureCosign((line) => process.stderr.write(`global setup: ${line}\n`));
}
