import { BadRequestException } from '@nestjs/common';
import type { TrackingPlanDefinition } from '@tessera/collection';
import { isUnparsed } from '../http/request-body';
import type { SourceRateLimit } from '../sources/source';

/** Checks of admin request bodies; each failure is a 400 that names the field. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (isUnparsed(body) || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('', 'the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function sourceName(body: Record<string, unknown>): string {
  const name = body.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw invalid('name', 'must be a non-empty string of at most 200 characters');
  }
  return name.trim();
}

export function rateLimit(value: unknown, path = 'rateLimit'): SourceRateLimit | null {
  if (value === undefined || value === null) return null;
  const limit = value as Partial<SourceRateLimit>;
  if (
    typeof value !== 'object' ||
    !isCount(limit.eventsPerSecond) ||
    (limit.burst !== undefined && !isCount(limit.burst))
  ) {
    throw invalid(path, 'must be { eventsPerSecond: integer >= 0, burst?: integer >= 0 }');
  }
  return { eventsPerSecond: limit.eventsPerSecond, burst: limit.burst ?? 0 };
}

export function graceSeconds(body: Record<string, unknown>): number {
  const grace = body.graceSeconds ?? 24 * 3600;
  if (!isCount(grace) || grace > 30 * 24 * 3600) {
    throw invalid('graceSeconds', 'must be an integer from 0 to 2592000');
  }
  return grace;
}

export function trackingPlan(body: Record<string, unknown>): TrackingPlanDefinition {
  const { mode, events, traits, groupTraits, allowUnplannedEvents } = body;
  if (mode !== 'allow' && mode !== 'flag' && mode !== 'block')
    throw invalid('mode', 'must be allow, flag or block');
  if (events !== undefined && !isPlainObject(events))
    throw invalid('events', 'must map event names to JSON Schemas');
  for (const [name, schema] of Object.entries((events as Record<string, unknown>) ?? {})) {
    if (!isPlainObject(schema) && typeof schema !== 'boolean')
      throw invalid(`events.${name}`, 'must be a JSON Schema');
  }
  if (traits !== undefined && !isPlainObject(traits))
    throw invalid('traits', 'must be a JSON Schema');
  if (groupTraits !== undefined && !isPlainObject(groupTraits))
    throw invalid('groupTraits', 'must be a JSON Schema');
  if (allowUnplannedEvents !== undefined && typeof allowUnplannedEvents !== 'boolean') {
    throw invalid('allowUnplannedEvents', 'must be true or false');
  }
  return {
    mode,
    ...(events ? { events: events as Record<string, object> } : {}),
    ...(traits ? { traits: traits } : {}),
    ...(groupTraits ? { groupTraits: groupTraits } : {}),
    ...(allowUnplannedEvents !== undefined ? { allowUnplannedEvents } : {}),
  };
}

export function invalid(path: string, message: string): BadRequestException {
  return new BadRequestException({
    error: 'invalid_request',
    message: path ? `${path}: ${message}` : message,
    path,
  });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
