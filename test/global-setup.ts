import { execa } from 'execa';

/** Tests run the compiled CLI: build it once before they start. */
export default async function setup(): Promise<void> {
  await execa('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
