// The clouds that run Dahua P2P (spec §1, §8). Each brand has its own main server and app
// credentials, and a device answers only on the cloud it registered with.

import type { WsseCredentials } from './dh-http';

/** The pair the official Easy4IP clients carry since 2024 (spec §2, issue #9). */
export const EASY4IP_APP: WsseCredentials = { user: 'cba1b29e32cb17aa46b8ff9e73c7f40b', key: '996103384cdf19179e19243e959bbf8b' };

export const CLOUD_HOSTS = {
  easy4ip: { host: 'www.easy4ipcloud.com', port: 8800 },
  amcrest: { host: 'p2p.amcrestview.com', port: 8800 },
  instaon: { host: 'instaonserver.com', port: 8800 },
} as const;
