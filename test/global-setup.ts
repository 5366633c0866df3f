import { execa } from 'execa';

/** Tests run the compiled CLI: build it once before they start (VC_TEST_PREBUILT=1 skips that). */
export default async function setup(): Promise<void> {
  if (process.env.VC_TEST_PREBUILT === '1') return;
  await execa('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
