import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The platform's version, from package.json (dist/src/apps → the package root). */
export const PLATFORM_VERSION: string = readVersion();
