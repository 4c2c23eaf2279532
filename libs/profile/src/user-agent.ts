import { UAParser } from 'ua-parser-js';
import type { Device, Stamp } from './profile-state';

/** Browser, OS and device read from a user agent string. */
export function deviceOf(userAgent: string, stamp: Stamp): Device {
  const { browser, os, device } = new UAParser(userAgent).getResult();
  return {
    at: stamp.at,
    messageId: stamp.messageId,
    userAgent,
    browser: browser.name ?? null,
    browserVersion: browser.version ?? null,
    os: os.name ?? null,
    osVersion: os.version ?? null,
    deviceType: device.type ?? null,
    deviceVendor: device.vendor ?? null,
    deviceModel: device.model ?? null,
  };
}
