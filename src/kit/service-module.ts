import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventBus } from '../bus/event-bus.js';
import type { CacheStore } from '../cache/cache-store.js';
import type { PlatformConfig } from '../kernel/config.js';
import type { ServiceDescriptor } from '../kernel/services.js';
import type { Database } from '../storage/database.js';
import type { ActiveConstitution } from './active-constitution.js';

/** What the wiring layer hands every service: its adapters, chosen by `apps/`. */
export interface ServiceContext {
  readonly config: PlatformConfig;
  readonly database: Database;
  readonly bus: EventBus;
  readonly cache: CacheStore;
  readonly logger: Logger;
  readonly metrics: Registry;
  /**
   * The hash this process stamps on every response. The Constitutional AI service updates it when
   * it enacts a version; other processes refresh it from that service.
   */
  readonly activeConstitution: ActiveConstitution;
  /** Unique per process, e.g. to tell replicas apart in events. */
  readonly instanceId: string;
  readonly version: string;
}

/** A named dependency check for `/health/ready`. Resolves when healthy, rejects with the reason. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * One of the eight services as the kit runs it: its routes (a Fastify plugin that registers
 * routes and nothing else), extra readiness checks, and background work. Its migrations are
 * static (`apps/service-migrations.ts`), so `acgs migrate` needs no running service.
 */
export interface ServiceModule {
  readonly descriptor: ServiceDescriptor;
  readonly routes: FastifyPluginAsync;
  readonly readiness?: readonly ReadinessCheck[];
  /** Starts background work (consumers, timers) after migrations, before the port opens. */
  start?(): Promise<void>;
  /** Stops background work; called on shutdown before the adapters close. */
  stop?(): Promise<void>;
}
