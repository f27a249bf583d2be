import { randomBytes } from 'node:crypto';

/**
 * Request ids for requests that bring none: a random 64-bit prefix per process, then a counter,
 * e.g. `5f0c2a9e41d37b08-1a2b`. Unique across replicas and restarts (the prefix), ordered within a
 * process (the counter), and far cheaper than a random UUID per request.
 */
export class RequestIdSequence {
  private readonly prefix = `${randomBytes(8).toString('hex')}-`;
  private counter = 0;

  next(): string {
    this.counter++;
    return this.prefix + this.counter.toString(36);
  }
}
