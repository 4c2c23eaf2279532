import { mapNdjsonLine } from './ndjson-line.mapper';
import { RowRejectedError } from './row-rejected.error';

describe('mapNdjsonLine', () => {
  it('keeps the event as written when it has a type', () => {
    const line = '{"type":"page","userId":"u1","name":"Home","messageId":"m1"}';
    expect(mapNdjsonLine(line, { type: 'track' })).toEqual(JSON.parse(line));
  });

  it('makes an event with a name a track call', () => {
    expect(mapNdjsonLine('{"userId":"u1","event":"Signed Up"}', {}).type).toBe('track');
  });

  it('makes an event without a name an identify call', () => {
    expect(mapNdjsonLine('{"userId":"u1","traits":{"plan":"pro"}}', {}).type).toBe('identify');
  });

  it('fills the type from --type and the name of track calls from --event', () => {
    expect(mapNdjsonLine('{"userId":"u1"}', { type: 'track', event: 'Imported' })).toEqual({
      userId: 'u1',
      type: 'track',
      event: 'Imported',
    });
  });

  it('rejects a line that is not JSON', () => {
    expect(() => mapNdjsonLine('{"userId":', {})).toThrow(RowRejectedError);
  });

  it('rejects a JSON line that is not an object', () => {
    expect(() => mapNdjsonLine('[1,2]', {})).toThrow('the line is not a JSON object');
  });
});
